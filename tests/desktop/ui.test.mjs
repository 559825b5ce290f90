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

  // ---- the control center (ui/admin.js) ----

  const nav = (page) => page.locator('#nav button').allTextContents()

  test('control center views by role: admin all, front desk People read-only, member none', async () => {
    const member = await open({ signedIn: true, role: 'member' })
    await member.waitForSelector('.door')
    await member.waitForFunction(() => window.__calls.some((c) => c.cmd === 'my_role'))
    await member.waitForTimeout(100)
    assert.deepEqual(await nav(member), ['Doors', 'Links', 'Activity', 'Settings'])
    await member.verify()
    await member.close()

    const desk = await open({ signedIn: true, role: 'front_desk' })
    await desk.waitForFunction(() => document.querySelector('#nav [data-view="people"]'))
    assert.deepEqual(await nav(desk), ['Doors', 'Links', 'Activity', 'People', 'Settings'])
    await desk.click('#nav [data-view="people"]')
    await desk.waitForSelector('.person-row')
    assert.match(await desk.textContent('#people-readonly'), /Read-only/)
    assert.equal(await desk.locator('#person-add').count(), 0, 'no Add user for front desk')
    assert.equal(await desk.textContent('.person-row[data-name="Maya Member"] .role'), 'member')
    assert.equal(await desk.textContent('.person-row[data-name="Maya Member"] .person-state'), 'scheduled')
    assert.equal(await desk.textContent('.person-row[data-name="Fran Desk"] .sites'), 'HQ, Warehouse')
    await desk.click('.person-row[data-name="Maya Member"] .open-person')
    await desk.waitForSelector('#person-dialog')
    // Everything is shown, nothing can be changed.
    assert.ok(await desk.locator('#remote-unlock').isDisabled())
    assert.ok(await desk.locator('#person-role').isDisabled())
    assert.equal(await desk.getAttribute('#person-name', 'readonly'), '')
    for (const sel of ['#person-save', '#person-remove', '#key-form', '.revoke-key', '#signin-issue']) {
      assert.equal(await desk.locator(sel).count(), 0, `${sel} shown to front desk`)
    }
    assert.match(await desk.textContent('.key-row[data-name="Phone"] .key-window'), /^2026-11-24 00:00 \+01:00 → 2026-11-25 00:00 \+01:00 \(Europe\/Berlin\)$/)
    const changes = (await desk.evaluate(() => window.__calls.map((c) => c.cmd))).filter((c) => /^admin_(add|edit|remove|set|revoke|issue|create)/.test(c))
    assert.deepEqual(changes, [], 'front desk sent a change')
    await shot(desk, 'people-front-desk')
    await desk.verify()
    await desk.close()

    const admin = await open({ signedIn: true, role: 'admin' })
    await admin.waitForFunction(() => document.querySelector('#nav [data-view="apikeys"]'))
    assert.deepEqual(await nav(admin), ['Doors', 'Links', 'Activity', 'People', 'Sites & doors', 'API keys', 'Settings'])
    await admin.verify()
    await admin.close()
  })

  test('people (admin): search, add a user with a role, edit, remove', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForFunction(() => document.querySelector('#nav [data-view="people"]'))
    await page.click('#nav [data-view="people"]')
    await page.waitForSelector('.person-row')
    assert.equal(await page.locator('.person-row').count(), 2)
    await page.fill('#people-search', 'maya')
    await page.waitForFunction(() => document.querySelectorAll('.person-row').length === 1)
    assert.deepEqual((await page.calls('admin_people')).at(-1), { search: 'maya', role: null })
    await page.fill('#people-search', '')
    await page.selectOption('#people-role', 'front_desk')
    await page.waitForFunction(() => document.querySelectorAll('.person-row').length === 1 && document.querySelector('.person-row').dataset.name === 'Fran Desk')
    await page.selectOption('#people-role', '')
    await page.waitForFunction(() => document.querySelectorAll('.person-row').length === 2)

    await page.click('#person-add')
    await page.click('#person-save')
    assert.match(await page.textContent('#person-error'), /at least a name/)
    await page.fill('#person-name', 'Sam New')
    await page.fill('#person-email', 'sam@example.test')
    await page.selectOption('#person-role', 'front_desk')
    await page.click('#person-save')
    await page.waitForSelector('#person-dialog h2:text("Sam New")')
    assert.deepEqual((await page.calls('admin_add_user')).at(-1), { user: { full_name: 'Sam New', email_address: 'sam@example.test', phone_number: null, role: 'front_desk' } })
    await page.waitForSelector('.person-row[data-name="Sam New"]')
    assert.equal(await page.textContent('.person-row[data-name="Sam New"] .role'), 'front desk')
    // A new user has no key: said so, next to the switch.
    assert.match(await page.textContent('#cloud-keys'), /No cloud key/)

    await page.selectOption('#person-role', 'admin')
    await page.click('#person-save')
    await page.waitForFunction(() => document.querySelector('.person-row[data-name="Sam New"] .role')?.textContent === 'admin')
    const edit = (await page.calls('admin_edit_user')).at(-1)
    assert.equal(edit.changes.role, 'admin')
    assert.match(edit.user, /^0190f100-/)

    await page.click('#person-remove')
    assert.match(await page.textContent('#person-remove-box'), /sessions, cloud keys and guest links stop at once/)
    await page.click('#person-remove-confirm')
    await page.waitForSelector('#overlay', { state: 'hidden' })
    await page.waitForFunction(() => !document.querySelector('.person-row[data-name="Sam New"]'))
    assert.equal((await page.calls('admin_remove_user')).length, 1)
    await page.verify()
    await page.close()
  })

  test('credentials: add a cloud key for doors in the site zone, revoke one; the Remote unlock switch', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForFunction(() => document.querySelector('#nav [data-view="people"]'))
    await page.click('#nav [data-view="people"]')
    await page.click('.person-row[data-name="Maya Member"] .open-person')
    await page.waitForSelector('#credentials')
    // The switch sits next to the keys and says what turning it off does.
    assert.ok(await page.locator('#remote-unlock').isChecked())
    assert.equal(await page.textContent('#remote-unlock-state'), 'On')
    assert.match(await page.textContent('#remote-unlock-note'), /^Turning it off stops this user's unlocks and every guest link they issued, at the next request\./)
    assert.equal(await page.locator('#credentials #remote-unlock-row + #cloud-keys').count(), 1, 'the switch is right above the keys')
    assert.equal(await page.textContent('.key-row[data-name="Phone"] .key-state'), 'scheduled')

    // Add a key for two HQ doors, tomorrow 08:00 to 18:00 site time.
    await page.fill('#key-name', 'Tomorrow only')
    await page.click('#key-add')
    assert.match(await page.textContent('#key-error'), /Pick at least one door/)
    await page.check('.key-door[data-door="Main Entrance"]')
    await page.check('.key-door[data-door="Side Door"]')
    await page.fill('#key-from', '2026-11-24T08:00')
    await page.fill('#key-until', '2026-11-24T18:00')
    await page.dispatchEvent('#key-until', 'change')
    await page.waitForFunction(() => document.querySelector('#key-preview').textContent.includes('(Europe/Berlin)'))
    const pv = (await page.calls('preview_window')).at(-1)
    assert.deepEqual(pv, { zone: 'Europe/Berlin', window: { kind: 'between', from: '2026-11-24T08:00', until: '2026-11-24T18:00' } })
    assert.match(await page.textContent('#key-preview'), /\+01:00 → .*\+02:00 \(Europe\/Berlin\) · the clocks change in this window/)
    await shot(page, 'person-credentials')
    await page.click('#key-add')
    await page.waitForSelector('.key-row[data-name="Tomorrow only"]')
    const add = (await page.calls('admin_add_cloud_key')).at(-1).request
    assert.deepEqual({ ...add, user: undefined }, { user: undefined, name: 'Tomorrow only', entries: ['0190b000-0000-7000-8000-000000000001', '0190b000-0000-7000-8000-000000000002'], sites: [], starts_at: '2026-11-24T08:00', ends_at: '2026-11-24T18:00' })
    assert.equal(await page.textContent('.key-row[data-name="Tomorrow only"] .key-doors'), 'Main Entrance, Side Door')
    assert.match(await page.textContent('.key-row[data-name="Tomorrow only"] .key-window'), /^2026-11-24 08:00 \+01:00 → 2026-11-24 18:00 \+01:00/)

    // A whole site: its doors cannot be picked one by one as well.
    await page.check('.key-site[data-site="Warehouse"]')
    assert.ok(await page.locator('.key-door[data-door="Warehouse Gate"]').isDisabled())
    await page.fill('#key-name', 'Warehouse all')
    await page.click('#key-add')
    await page.waitForSelector('.key-row[data-name="Warehouse all"]')
    assert.deepEqual((await page.calls('admin_add_cloud_key')).at(-1).request.sites, ['0190a000-0000-7000-8000-00000000000b'])
    assert.equal(await page.textContent('.key-row[data-name="Warehouse all"] .key-doors'), 'all of Warehouse')

    // Revoke asks first.
    await page.click('.key-row[data-name="Phone"] .revoke-key')
    await page.click('.key-row[data-name="Phone"] .confirm-revoke-key')
    await page.waitForFunction(() => document.querySelector('.key-row[data-name="Phone"] .key-state')?.textContent === 'revoked')
    assert.equal(await page.locator('.key-row[data-name="Phone"] .revoke-key').count(), 0)
    assert.deepEqual((await page.calls('admin_revoke_cloud_key')).at(-1), { id: '0190f200-0000-7000-8000-000000000003' })

    // Remote unlock off: the right command, the state and its consequence on screen.
    await page.click('#remote-unlock')
    await page.waitForFunction(() => document.querySelector('#remote-unlock-state')?.textContent === 'Off')
    assert.deepEqual((await page.calls('admin_set_remote_unlock')).at(-1), { user: '0190f100-0000-7000-8000-000000000002', enabled: false })
    assert.ok(!(await page.locator('#remote-unlock').isChecked()))
    assert.match(await page.textContent('#remote-unlock-note'), /It is off now: this user can neither unlock nor share, and their guest links open nothing\./)
    await page.waitForFunction(() => document.querySelector('.person-row[data-name="Maya Member"] .person-state')?.textContent === 'remote unlock off')
    await page.click('#remote-unlock')
    await page.waitForFunction(() => document.querySelector('#remote-unlock-state')?.textContent === 'On')
    assert.deepEqual((await page.calls('admin_set_remote_unlock')).at(-1).enabled, true)
    await page.verify()
    await page.close()
  })

  test('sign-in code: shown once, gone after Done or closing; sessions listed and revoked', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForFunction(() => document.querySelector('#nav [data-view="people"]'))
    await page.click('#nav [data-view="people"]')
    await page.click('.person-row[data-name="Maya Member"] .open-person')
    await page.waitForSelector('.session-row')
    assert.equal(await page.locator('.session-row').count(), 1)
    await page.click('#signin-issue')
    await page.waitForSelector('#signin-secret')
    const code = await page.inputValue('#signin-code')
    assert.match(code, /^ajar:signin\?server=.*&token=seam_cst1_issued/)
    assert.ok(await page.evaluate(() => document.querySelector('#signin-qr').naturalWidth > 0), 'the QR renders')
    await page.waitForFunction(() => document.querySelectorAll('.session-row').length === 2)
    await shot(page, 'person-signin')
    await page.click('#signin-done')
    assert.equal(await page.locator('#signin-secret').count(), 0)
    assert.ok(!(await page.content()).includes(code.split('token=')[1]), 'the code stayed in the DOM after Done')
    // Issued again and the dialog closed: gone as well; nothing kept in the page's storage.
    await page.click('#signin-issue')
    await page.waitForSelector('#signin-secret')
    const second = (await page.inputValue('#signin-code')).split('token=')[1]
    await page.click('#person-close')
    await page.waitForSelector('#overlay', { state: 'hidden' })
    assert.ok(!(await page.content()).includes(second), 'the code stayed in the DOM after closing')
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie), '{}{}')
    // Reopening shows sessions, never a code.
    await page.click('.person-row[data-name="Maya Member"] .open-person')
    await page.waitForFunction(() => document.querySelectorAll('.session-row').length === 3)
    assert.equal(await page.locator('#signin-secret').count(), 0)
    await page.click('.session-row >> nth=0 >> .revoke-session')
    await page.waitForFunction(() => document.querySelectorAll('.session-row').length === 2)
    assert.deepEqual((await page.calls('admin_revoke_session')).at(-1), { id: '0190f400-0000-7000-8000-000000000001' })
    await page.verify()
    await page.close()
  })

  test('sites & doors: driver and online state; add a site with its zone, a door; edit a door', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForFunction(() => document.querySelector('#nav [data-view="sites"]'))
    await page.click('#nav [data-view="sites"]')
    await page.waitForSelector('.site-card[data-site="HQ"]')
    assert.match(await page.textContent('.site-card[data-site="Warehouse"] .site-head'), /America\/New_York/)
    assert.equal(await page.textContent('.door-row[data-door="Loading Dock"] .online'), 'offline')
    assert.equal(await page.textContent('.door-row[data-door="Loading Dock"] .driver'), 'agent')
    assert.equal(await page.textContent('.door-row[data-door="Main Entrance"] .online'), 'online')
    await shot(page, 'sites')
    await page.click('#site-add')
    await page.fill('#site-name', 'Lisbon')
    await page.fill('#site-zone', 'Lisbon time')
    await page.click('#site-form-save')
    await page.waitForFunction(() => /not an IANA time zone/.test(document.querySelector('#site-form-error').textContent))
    await page.fill('#site-zone', 'Europe/Lisbon')
    await page.click('#site-form-save')
    await page.waitForSelector('.site-card[data-site="Lisbon"]')
    assert.deepEqual((await page.calls('admin_add_site')).at(-1), { name: 'Lisbon', timeZone: 'Europe/Lisbon' })
    await page.click('.site-card[data-site="Lisbon"] .add-door')
    await page.fill('#door-name', 'Lobby')
    await page.fill('#door-pulse', '3')
    await page.click('#door-form-save')
    await page.waitForSelector('.door-row[data-door="Lobby"]')
    assert.deepEqual((await page.calls('admin_add_door')).at(-1).door, { site: (await page.calls('admin_add_site')).length && (await page.evaluate(() => window.__mock.sites.at(-1).acs_system_id)), name: 'Lobby', can_unlock_with_cloud_key: true, relock_pulse_ms: 3000, is_in_lockdown: false })
    // Editing a site sends only what changed.
    await page.click('.site-card[data-site="HQ"] .edit-site')
    await page.fill('#site-zone', 'Europe/Paris')
    await page.click('#site-form-save')
    await page.waitForFunction(() => /Europe\/Paris/.test(document.querySelector('.site-card[data-site="HQ"] .site-head').textContent))
    assert.deepEqual((await page.calls('admin_edit_site')).at(-1), { site: '0190a000-0000-7000-8000-00000000000a', name: null, timeZone: 'Europe/Paris' })
    await page.click('.door-row[data-door="Main Entrance"] .edit-door')
    await page.check('#door-lockdown')
    await page.uncheck('#door-cloud')
    await page.click('#door-form-save')
    await page.waitForFunction(() => document.querySelector('.door-row[data-door="Main Entrance"] .badge.lockdown'))
    assert.deepEqual((await page.calls('admin_edit_door')).at(-1).changes, { name: 'Main Entrance', can_unlock_with_cloud_key: false, relock_pulse_ms: 5000, is_in_lockdown: true })
    await page.verify()
    await page.close()
  })

  test('API keys: the new key shown once, then gone; list and revoke', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForFunction(() => document.querySelector('#nav [data-view="apikeys"]'))
    await page.click('#nav [data-view="apikeys"]')
    await page.waitForSelector('.apikey-row[data-name="Booking system"]')
    await page.fill('#apikey-name', 'Door display')
    await page.click('#apikey-create')
    await page.waitForSelector('#apikey-secret')
    const token = await page.inputValue('#apikey-token')
    assert.match(token, /^seam_ak1_Nw\d+topsecret/)
    await page.waitForSelector('.apikey-row[data-name="Door display"]')
    // The list shows only the prefix.
    assert.equal(await page.textContent('.apikey-row[data-name="Door display"] code'), 'seam_ak1_Nw…')
    await shot(page, 'api-keys')
    await page.click('#apikey-done')
    assert.equal(await page.locator('#apikey-secret').count(), 0)
    assert.ok(!(await page.content()).includes(token), 'the key stayed in the DOM')
    await page.click('.apikey-row[data-name="Booking system"] .revoke-apikey')
    await page.click('.apikey-row[data-name="Booking system"] .confirm-revoke-apikey')
    await page.waitForFunction(() => document.querySelector('.apikey-row[data-name="Booking system"] .apikey-state')?.textContent === 'revoked')
    assert.deepEqual((await page.calls('admin_revoke_api_key')).at(-1), { id: '0190f500-0000-7000-8000-000000000001' })
    await page.verify()
    await page.close()
  })

  test('activity: admin changes are listed with who and what, filterable by "admin"', async () => {
    const page = await open({ signedIn: true, role: 'admin' })
    await page.waitForSelector('.door')
    await page.evaluate(() => {
      const ev = (n, type, who, detail) => ({ event_id: `0190f600-0000-7000-8000-00000000000${n}`, event_type: type, occurred_at: new Date().toISOString(), occurred_local: '2026-11-23 15:0' + n + ' +01:00', door: '', acs_entrance_id: null, site: '', who, how: 'admin', detail, ok: true, guest_link_id: null, my_link_used: false })
      window.__mock.events.push(
        ev(1, 'user_identity.remote_unlock_disabled', 'Ada Admin', 'Maya Member: remote_unlock_enabled'),
        ev(2, 'access_grant.created', 'Ada Admin', 'cloud key of Maya Member'),
        ev(3, 'access_method.created', 'Ada Admin', 'cloud key of Maya Member'),
        { ...ev(4, 'lock.unlocked', 'Maya Member', ''), how: 'app', door: 'Main Entrance' })
    })
    await page.click('#nav [data-view="activity"]')
    await page.waitForSelector('.activity-row')
    assert.equal(await page.locator('.activity-row').count(), 3, 'one line per change, plus the unlock')
    assert.deepEqual(await page.locator('.activity-row .what').allTextContents(), ['remote unlock off', 'cloud key added', 'unlocked'])
    await page.selectOption('#activity-how', 'admin')
    assert.equal(await page.locator('.activity-row').count(), 2)
    assert.match(await page.textContent('.activity-row >> nth=0'), /Ada Admin.*remote unlock off.*admin.*Maya Member/)
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
