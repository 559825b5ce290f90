// UI tests of ui/ in Debian's headless Chromium (playwright-core), with the Tauri IPC mocked at the
// boundary (mock_ipc.js replaces window.__TAURI__.core.invoke). The page is served from a loopback
// HTTP server with the CSP of tauri.conf.json, so inline code or outside requests would fail here.
// Covers every view and the share flow; screenshots go to target/desktop-screenshots/ui-*.png.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createServer } from 'node:http'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '..', '..')
const uiDir = join(repo, 'ui')
const shots = process.env.AJAR_SCREENSHOT_DIR || join(repo, 'target', 'desktop-screenshots')
mkdirSync(shots, { recursive: true })

// The CSP as written in tauri.conf.json.
const conf = JSON.parse(readFileSync(join(repo, 'tauri.conf.json'), 'utf8'))
const csp = Object.entries(conf.app.security.csp).map(([k, v]) => `${k} ${v}`).join('; ')
const mock = readFileSync(join(here, 'mock_ipc.js'), 'utf8')

let server, base, context, profileDir

before(async () => {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    const file = join(uiDir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(uiDir) || !existsSync(file)) { res.writeHead(404); return res.end() }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'content-security-policy': csp })
    res.end(readFileSync(file))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${server.address().port}`
  profileDir = mkdtempSync(join(tmpdir(), 'ajar-desktop-ui-'))
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 760 },
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  })
})

after(async () => {
  await context?.close()
  server?.close()
  if (profileDir) rmSync(profileDir, { recursive: true, force: true })
})

// A page on the app with the mocked IPC; fails the test on page errors, CSP violations or any
// request leaving the loopback UI server.
async function open(config) {
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`outside request: ${r.url()}`) })
  await page.addInitScript((c) => {
    window.__mockConfig = c
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  }, config)
  await page.addInitScript(mock)
  await page.goto(`${base}/`)
  page.verify = async () => {
    const violations = await page.evaluate(() => window.__csp)
    assert.deepEqual(violations, [], 'CSP violations')
    assert.deepEqual(problems, [])
  }
  page.calls = (cmd) => page.evaluate((c) => window.__calls.filter((x) => x.cmd === c).map((x) => x.args), cmd)
  return page
}

const shot = (page, name) => page.screenshot({ path: join(shots, `ui-${name}.png`) })

describe('desktop UI (mocked IPC)', () => {
  test('sign in: errors in place, then the doors; the token is not kept in the page', async () => {
    const page = await open({ signedIn: false, cached: false })
    await page.waitForSelector('#signin-form')
    assert.equal(await page.locator('#nav button').count(), 0, 'no views before sign-in')
    await page.fill('#signin-server', 'http://127.0.0.1:8080')
    await page.fill('#signin-token', 'hello')
    await page.click('#signin-submit')
    await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('not an Ajar token'))
    await page.fill('#signin-token', 'seam_cst1_revoked_aaaaaaaaaaaa')
    await page.click('#signin-submit')
    await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('sign in again'))
    await shot(page, 'signin')
    await page.fill('#signin-token', 'seam_cst1_goodtoken_aaaaaaaaaa')
    await page.fill('#signin-profile', 'desk')
    await page.click('#signin-submit')
    await page.waitForSelector('.door')
    const calls = await page.calls('sign_in')
    assert.deepEqual(calls.at(-1), { profile: 'desk', server: 'http://127.0.0.1:8080', tokenOrCode: 'seam_cst1_goodtoken_aaaaaaaaaa' })
    const html = await page.content()
    assert.ok(!html.includes('seam_cst1_goodtoken'), 'token left in the DOM')
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie), '{}')
    assert.match(await page.textContent('#me'), /Fran Desk \(front_desk\) · desk/)
    await page.verify()
    await page.close()
  })

  test('doors: grouped by site, live state, type to filter, Enter unlocks, result in place', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    assert.deepEqual(await page.locator('.site').allTextContents(), ['HQ · Europe/Berlin', 'Warehouse · America/New_York'])
    const state = async (name) => page.locator(`.door[data-name="${name}"] .state`).textContent()
    assert.equal(await state('Main Entrance'), 'Locked')
    assert.match(await state('Side Door'), /^Open · 1:0\d$/)
    assert.equal(await state('Server Room'), 'Lockdown')
    assert.equal(await state('Loading Dock'), 'Offline')
    assert.ok(await page.locator('.door[data-name="Server Room"] .unlock').isDisabled())
    assert.ok(await page.locator('.door[data-name="Loading Dock"] .unlock').isDisabled())
    // The first draw came from the cache, before the network answer.
    const order = await page.evaluate(() => window.__calls.map((c) => c.cmd).filter((c) => c.startsWith('doors') || c === 'ui_ready'))
    assert.deepEqual(order.slice(0, 3), ['doors_cached', 'ui_ready', 'doors'])
    await shot(page, 'doors')

    // Type anywhere: the filter takes it; Enter unlocks the match.
    await page.click('h1')
    await page.keyboard.type('main')
    assert.equal(await page.inputValue('#door-filter'), 'main')
    assert.equal(await page.locator('.door').count(), 1)
    await page.keyboard.press('Enter')
    await page.waitForSelector('.door[data-name="Main Entrance"] .result.ok')
    assert.match(await page.textContent('.door[data-name="Main Entrance"] .result'), /opened \(confirmed/)
    assert.equal((await page.calls('unlock')).length, 1)
    assert.match(await state('Main Entrance'), /^Open · 0:0\d$/)

    // Arrows pick another door; a refusal shows its reason.
    await page.fill('#door-filter', '')
    await page.keyboard.type('ware')
    assert.equal(await page.locator('.door').count(), 2)
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.locator('.door.selected').getAttribute('data-name'), 'Warehouse Gate')
    await page.keyboard.press('Enter')
    await page.waitForSelector('.door[data-name="Warehouse Gate"] .result.bad')
    assert.match(await page.textContent('.door[data-name="Warehouse Gate"] .result'), /Refused: your access to Warehouse Gate starts tomorrow/)
    await page.verify()
    await page.close()
  })

  test('share: two doors, quick picks in the site zone with DST shown, then the share sheet', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    await page.click('#share-open')
    await page.waitForSelector('#share-form')
    const ids = await page.evaluate(() => window.__mock.doors.map((d) => d.acs_entrance_id))
    await page.check(`#pick-${ids[0]}`)
    await page.check(`#pick-${ids[1]}`)
    await page.fill('#share-description', 'Plumber')
    await page.click('[data-window="today"]')
    await page.waitForFunction(() => document.querySelector('#share-preview').textContent.includes('the clocks change'))
    const prev = (await page.calls('preview_window')).at(-1)
    assert.equal(prev.zone, 'Europe/Berlin')
    assert.equal(prev.window.kind, 'between')
    assert.match(prev.window.until, /^\d{4}-\d\d-\d\dT23:59$/)
    assert.match(await page.textContent('#share-preview'), /\+01:00 → .*\+02:00/)
    await page.click('[data-window="custom"]')
    await page.fill('#share-until', '2026-03-29T04:00')
    await page.dispatchEvent('#share-until', 'change')
    await page.waitForFunction(() => window.__calls.filter((c) => c.cmd === 'preview_window').some((c) => c.args.window.until === '2026-03-29T04:00'))
    await page.click('[data-window="week"]')
    await page.fill('#share-max', '3')
    await shot(page, 'share-dialog')
    await page.click('#share-create')
    await page.waitForSelector('#share-sheet')
    const req = (await page.calls('share')).at(-1).request
    assert.deepEqual(req.entries, [ids[0], ids[1]])
    assert.equal(req.description, 'Plumber')
    assert.equal(req.max_uses, 3)
    assert.match(req.window.until, /T23:59$/)
    const url = await page.inputValue('#sheet-url')
    assert.match(url, /^http:\/\/127\.0\.0\.1:8080\/g#tok/)
    assert.match(await page.getAttribute('#sheet-qr', 'src'), /^data:image\/svg\+xml;base64,/)
    assert.ok(await page.evaluate(() => document.querySelector('#sheet-qr').naturalWidth > 0), 'QR image renders')
    assert.match(await page.textContent('#sheet-webhooks'), /Main Entrance: http:\/\/127\.0\.0\.1:8080\/w\/hook0/)
    assert.ok(await page.locator('#sheet-slack').isDisabled(), 'Slack needs a webhook in settings')
    await shot(page, 'share-sheet')
    const id = (await page.calls('share')).length && (await page.evaluate(() => window.__mock.links[0].link.guest_link_id))
    await page.click('#sheet-copy')
    await page.waitForFunction(() => document.querySelector('#sheet-status').textContent === 'Link copied.')
    await page.click('#sheet-email')
    await page.waitForFunction(() => document.querySelector('#sheet-status').textContent.includes('mail app'))
    await page.click('#sheet-sms')
    await page.click('#sheet-save')
    await page.waitForFunction(() => document.querySelector('#sheet-status').textContent.includes('guest-link-qr.png'))
    assert.deepEqual(await page.calls('copy_link'), [{ id }])
    assert.deepEqual((await page.calls('share_via')).map((a) => a.channel), ['email', 'sms'])
    assert.deepEqual(await page.calls('save_qr'), [{ id }])
    await page.click('#sheet-done')
    assert.ok(await page.locator('#overlay').isHidden())
    await page.verify()
    await page.close()
  })

  test('links: states, uses, revoke with a confirmation, QR shown again', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    // Make two links through the dialog, then look at Links.
    for (const d of ['Plumber', 'Cleaner']) {
      await page.click('#share-open')
      await page.fill('#share-description', d)
      await page.click('#share-create')
      await page.waitForSelector('#share-sheet')
      await page.click('#sheet-done')
    }
    await page.evaluate(() => { const l = window.__mock.links[1].link; l.unlock_count = 2; l.max_unlock_count = 5; l.last_unlocked_at = new Date().toISOString() })
    await page.click('#nav [data-view="links"]')
    await page.waitForSelector('tr[data-link]')
    const row = (d) => page.locator(`tr[data-description="${d}"]`)
    assert.equal(await row('Plumber').locator('.uses').textContent(), '2 / 5')
    assert.equal(await row('Cleaner').locator('.link-state').textContent(), 'active')
    await shot(page, 'links')
    await row('Plumber').locator('.show-qr').click()
    await page.waitForSelector('#share-sheet')
    assert.equal((await page.calls('show_link')).length, 1)
    await page.click('#sheet-done')
    await row('Cleaner').locator('.revoke').click()
    await row('Cleaner').locator('.cancel-revoke').click()
    assert.equal((await page.calls('revoke_link')).length, 0, 'No keeps the link')
    await row('Cleaner').locator('.revoke').click()
    await row('Cleaner').locator('.confirm-revoke').click()
    await page.waitForFunction(() => document.querySelector('tr[data-description="Cleaner"] .link-state')?.textContent === 'revoked')
    assert.equal((await page.calls('revoke_link')).length, 1)
    assert.equal(await row('Cleaner').locator('.revoke').count(), 0, 'a revoked link has no actions')
    await page.selectOption('#links-state', 'revoked')
    await page.waitForFunction(() => document.querySelectorAll('tr[data-link]').length === 1)
    await page.verify()
    await page.close()
  })

  test('activity: who, door, how; filterable; a use of my link raises a notice', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    const ev = (i, type, who, how, door, detail, mine) => ({
      event_id: `0190f000-0000-7000-8000-00000000000${i}`, event_type: type, occurred_at: new Date().toISOString(), occurred_local: `2026-11-23 15:0${i} +01:00`,
      door, acs_entrance_id: null, site: 'HQ', who, how, detail, ok: !type.endsWith('failed'), guest_link_id: null, my_link_used: mine,
    })
    await page.evaluate((events) => { window.__mock.events.push(...events) }, [
      ev(1, 'lock.unlocked', 'Fran Desk', 'app', 'Main Entrance', '', false),
      ev(2, 'lock.unlocked', 'Webhook: Courier', 'webhook', 'Loading Dock', 'link issued by Admin', false),
      ev(3, 'action_attempt.unlock_door.failed', 'Maya Member', 'app', 'Server Room', 'the door is in lockdown', false),
      ev(4, 'access_grant.created', 'Admin', 'API key', '', '', false),
    ])
    await page.click('#nav [data-view="activity"]')
    await page.waitForSelector('.activity-row')
    assert.equal(await page.locator('.activity-row').count(), 3, 'only door and link events')
    assert.equal(await page.locator('.row-bad').count(), 1)
    await page.fill('#activity-filter', 'courier')
    assert.equal(await page.locator('.activity-row').count(), 1)
    await page.fill('#activity-filter', '')
    await page.selectOption('#activity-how', 'app')
    assert.equal(await page.locator('.activity-row').count(), 2)
    await page.selectOption('#activity-how', '')
    await page.evaluate((e) => window.__mock.pollQueue.push(e), ev(5, 'lock.unlocked', 'Guest: Plumber', 'guest link', 'Side Door', 'link issued by Fran Desk', true))
    await page.waitForSelector('.toast', { timeout: 10000 })
    assert.equal(await page.textContent('.toast'), 'Guest: Plumber opened Side Door')
    await page.waitForFunction(() => document.querySelectorAll('.activity-row').length === 4)
    await shot(page, 'activity')
    await page.verify()
    await page.close()
  })

  test('settings: Slack webhook kept on the Rust side; profiles; sign out goes back to sign-in', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    await page.click('#nav [data-view="settings"]')
    await page.waitForSelector('#slack-webhook')
    await page.fill('#slack-webhook', 'not a url')
    await page.click('#slack-save')
    await page.waitForFunction(() => document.querySelector('#settings-status').textContent.includes('http(s)'))
    await page.fill('#slack-webhook', 'http://127.0.0.1:9/hook')
    await page.click('#slack-save')
    await page.waitForFunction(() => document.querySelector('#settings-status').textContent === 'Slack webhook saved.')
    assert.equal(await page.inputValue('#slack-webhook'), '', 'the webhook is not left in the page')
    await shot(page, 'settings')
    await page.click('#nav [data-view="doors"]')
    await page.waitForSelector('.door')
    await page.click('#share-open')
    await page.click('#share-create')
    await page.waitForSelector('#share-sheet')
    assert.ok(!(await page.locator('#sheet-slack').isDisabled()))
    await page.click('#sheet-slack')
    await page.waitForFunction(() => document.querySelector('#sheet-status').textContent === 'Posted to Slack.')
    await page.click('#sheet-done')
    await page.click('#nav [data-view="settings"]')
    await page.click('#profiles [data-profile="work"] .danger')
    await page.waitForSelector('#signin-form')
    await page.verify()
    await page.close()
  })

  test('a use of my guest link is noticed in any view, not only Activity', async () => {
    const page = await open({ signedIn: true })
    await page.waitForSelector('.door')
    await page.evaluate(() => window.__mock.pollQueue.push({
      event_id: '0190f000-0000-7000-8000-000000000009', event_type: 'lock.unlocked', occurred_at: new Date().toISOString(), occurred_local: '2026-11-23 15:09 +01:00',
      door: 'Main Entrance', acs_entrance_id: null, site: 'HQ', who: 'Guest: Courier', how: 'guest link', detail: 'link issued by Fran Desk', ok: true, guest_link_id: null, my_link_used: true,
    }))
    await page.waitForSelector('.toast', { timeout: 10000 })
    assert.equal(await page.textContent('.toast'), 'Guest: Courier opened Main Entrance')
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'doors')
    await page.verify()
    await page.close()
  })

  test('offline start: the cached door list with a notice', async () => {
    const page = await open({ signedIn: true, offline: true })
    await page.waitForSelector('.door')
    await page.waitForFunction(() => !document.querySelector('#banner').hidden)
    assert.match(await page.textContent('#banner'), /Offline: showing doors as of/)
    await page.verify()
    await page.close()
  })
})
