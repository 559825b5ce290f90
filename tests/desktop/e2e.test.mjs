// End to end in the real app: target/debug/ajar-app (a real WebKitGTK window under Xvfb) driven
// through tauri-driver + WebKitWebDriver, against a real ajar-server on 127.0.0.1 with a fresh
// database, and Debian's Chromium (playwright-core) as the guest. The app keeps its token in the OS
// keyring, so this runs inside a session with a Secret Service (scripts/test-desktop starts one).
//
// Flow: sign in, unlock a door, create a guest link for two doors, read the link from the share
// sheet, open it in Chromium and unlock as the guest, see that unlock in the app's Activity.
// Screenshots of each view go to AJAR_SCREENSHOT_DIR (default target/desktop-screenshots).
//
// Environment: AJAR_SERVER_BIN, AJAR_APP_BIN, TAURI_DRIVER (default ~/.cargo/bin/tauri-driver),
// CHROMIUM_BIN (default /usr/bin/chromium).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

import { Session, sleep, startDriver } from './webdriver.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '..', '..')
const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target')
const SERVER = process.env.AJAR_SERVER_BIN || join(target, 'debug', 'ajar-server')
const APP = process.env.AJAR_APP_BIN || join(target, 'debug', 'ajar-app')
const DRIVER = process.env.TAURI_DRIVER || join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin', 'tauri-driver')
const shots = process.env.AJAR_SCREENSHOT_DIR || join(target, 'desktop-screenshots')
mkdirSync(shots, { recursive: true })

const work = mkdtempSync(join(tmpdir(), 'ajar-desktop-e2e-'))
const apiKey = `seam_e2e_${randomBytes(16).toString('hex')}`
let server, url, driver, app, browser

async function api(path, body) {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  })
  const j = await r.json()
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(j)}`)
  return j
}

before(async () => {
  for (const [what, p] of [['ajar-server', SERVER], ['ajar-app', APP], ['tauri-driver', DRIVER]]) {
    assert.ok(existsSync(p), `${what} missing at ${p}`)
  }
  const log = openSync(join(work, 'server.log'), 'w')
  server = spawn(SERVER, ['--listen', '127.0.0.1:0', '--data-dir', join(work, 'server-data')], {
    env: { ...process.env, AJAR_BOOTSTRAP_API_KEY: apiKey, AJAR_LOG: 'warn', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', log],
  })
  url = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('ajar-server did not start')), 60000)
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = /^ajar-server listening on (http:\/\/\S+)$/.exec(line.trim())
      if (m) { clearTimeout(t); res(m[1].replace(/\/$/, '')) }
    })
  })
  const driverLog = openSync(join(work, 'tauri-driver.log'), 'w')
  driver = await startDriver(DRIVER, { ...process.env, AJAR_APP_DATA_DIR: join(work, 'app-data') }, driverLog)
})

after(async () => {
  await app?.close()
  await driver?.stop()
  await browser?.close()
  if (server && server.exitCode === null) {
    server.kill('SIGTERM')
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(10000)])
  }
  if (process.exitCode) console.log(`logs kept in ${work}`)
  else rmSync(work, { recursive: true, force: true })
})

// Screenshots wait for two animation frames and a moment more, so the picture shows the state the
// test just reached (the compositor lags behind on a busy machine).
async function shot(name) {
  await app.execAsync('const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(1)))')
  await sleep(700)
  writeFileSync(join(shots, `desktop-${name}.png`), await app.screenshot())
}

test('sign in, unlock, share two doors, guest unlocks in Chromium, the app shows it in Activity', async () => {
  // A Berlin site, three doors; Fran (front desk) holds a cloud key for Front and Back.
  const site = (await api('/acs/systems/create', { name: 'HQ Berlin', time_zone: 'Europe/Berlin' })).acs_system.acs_system_id
  const doors = {}
  for (const name of ['Front Entrance', 'Back Office', 'Server Room']) {
    doors[name] = (await api('/acs/entrances/create', { acs_system_id: site, display_name: name, relock_pulse_ms: 4000 })).acs_entrance.acs_entrance_id
  }
  const fran = (await api('/user_identities/create', { full_name: 'Fran Desk', role: 'front_desk' })).user_identity.user_identity_id
  await api('/access_grants/create', { user_identity_id: fran, acs_entrance_ids: [doors['Front Entrance'], doors['Back Office']], requested_access_methods: [{ mode: 'cloud_key' }] })
  const token = (await api('/client_sessions/create', { user_identity_id: fran })).client_session.token

  // The real app starts on the sign-in view.
  app = await Session.create(driver.base, APP)
  await app.wait('#signin-form')
  await app.type(await app.find('#signin-server'), url)
  await app.type(await app.find('#signin-token'), 'not-a-token')
  await app.click(await app.find('#signin-submit'))
  await app.waitText('#signin-error', /not an Ajar token/)
  await app.type(await app.find('#signin-token'), token)
  await app.type(await app.find('#signin-profile'), 'desk')
  await shot('signin')
  await app.click(await app.find('#signin-submit'))

  // Doors, grouped by site; the token never reached the webview.
  await app.wait('.door[data-name="Server Room"]')
  await app.waitText('.site', /HQ Berlin · Europe\/Berlin/i)
  const page = await app.source()
  assert.ok(!page.includes(token), 'the token reached the webview')
  const stored = await app.exec('return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie')
  assert.ok(!stored.includes(token))
  assert.match(await app.text(await app.find('#me')), /Fran Desk \(front_desk\)/)
  // Narrow capabilities: the webview cannot reach the plugins directly (only the app's commands).
  for (const cmd of ['plugin:clipboard-manager|read_text', 'plugin:opener|open_url', 'plugin:dialog|open', 'plugin:notification|notify']) {
    const answer = await app.execAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI__.core.invoke(arguments[0], { url: 'file:///etc/passwd' }).then(() => done('allowed'), (e) => done('denied: ' + e))`,
      [cmd],
    )
    assert.match(answer, /^denied: .*not allowed/, `${cmd}: ${answer}`)
  }

  // Keyboard first: type to filter, Enter unlocks; the result shows in place.
  const filter = await app.find('#door-filter')
  await app.type(filter, 'front')
  await app.wait('.door', { pred: async () => (await app.findAll('.door')).length === 1 })
  await app.waitText('.door.selected .name', /^Front Entrance$/)
  await app.keys(filter, '\uE007') // Enter
  await app.waitText('.door[data-name="Front Entrance"] .result.ok', /Front Entrance opened \(confirmed by the door\)/, 20000)
  await app.waitText('.door[data-name="Front Entrance"] .state', /^Open · 0:0\d$/)
  await app.type(filter, '')
  await app.keys(filter, '\uE00C') // Escape clears the filter
  await app.wait('.door', { pred: async () => (await app.findAll('.door')).length === 3 })
  await shot('doors')
  const events = (await api('/events/list', { acs_entrance_id: doors['Front Entrance'] })).events
  assert.ok(events.some((e) => e.event_type === 'lock.unlocked' && e.user_identity_id === fran), 'the server recorded the app unlock')

  // Share Front and Back with a guest.
  await app.clickOn('#share-open')
  await app.wait('#share-form')
  const back = await app.find(`#pick-${doors['Back Office']}`)
  if (!(await app.prop(back, 'checked'))) await app.click(back)
  const front = await app.find(`#pick-${doors['Front Entrance']}`)
  if (!(await app.prop(front, 'checked'))) await app.click(front)
  await app.type(await app.find('#share-description'), 'E2E visitor')
  await app.click(await app.find('[data-window="today"]'))
  await app.waitText('#share-preview', /→ .*Europe\/Berlin/)
  await app.type(await app.find('#share-max'), '3')
  await shot('share-dialog')
  await app.click(await app.find('#share-create'))
  await app.wait('#share-sheet')
  const link = await app.prop(await app.find('#sheet-url'), 'value')
  assert.match(link, new RegExp(`^${url.replace(/[.]/g, '\\.')}/g#`))
  assert.match(await app.text(await app.find('#sheet-webhooks')), /Front Entrance: http:\/\/127\.0\.0\.1:\d+\/w\//)
  assert.ok(await app.exec('return document.querySelector("#sheet-qr").naturalWidth > 0'), 'the QR image renders')
  await shot('share-sheet')
  await app.click(await app.find('#sheet-done'))

  // The guest opens the link in Chromium and unlocks Back Office.
  const profile = mkdtempSync(join(work, 'chromium-'))
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
  })
  const guest = await browser.newPage()
  await guest.goto(link)
  const button = guest.locator('button.door', { hasText: 'Back Office' })
  await button.waitFor()
  assert.equal(await guest.locator('button.door').count(), 2, 'the guest sees the two shared doors')
  await button.click()
  await button.and(guest.locator('button.door.open')).waitFor({ timeout: 15000 })
  await guest.screenshot({ path: join(shots, 'desktop-guest-page.png') })

  // The app's Activity shows the guest's unlock: who (the link), which door, how.
  await app.clickOn('#nav [data-view="activity"]')
  await app.waitText('.activity-row', /Guest: E2E visitor[\s\S]*Back Office[\s\S]*guest link[\s\S]*link issued by Fran Desk/, 20000)
  assert.ok((await app.findAll('.activity-row')).length >= 2, 'the app unlock is listed too')
  // Fran issued the link: its use raised a notice (the desktop notification is sent from Rust
  // with the same poll_activity answer).
  await app.waitText('.toast', /^Guest: E2E visitor opened Back Office$/, 10000)
  await shot('activity')

  // Links: one use, and the QR can be shown again (the URL was kept in the keyring).
  await app.clickOn('#nav [data-view="links"]')
  await app.waitText('tr[data-description="E2E visitor"] .uses', /^1 \/ 3$/)
  await shot('links')
  await app.clickOn('tr[data-description="E2E visitor"] .show-qr')
  await app.wait('#share-sheet')
  assert.equal(await app.prop(await app.find('#sheet-url'), 'value'), link)
  await app.clickOn('#sheet-done')

  // Settings view (screenshot), then revoke: the guest link stops working.
  await app.clickOn('#nav [data-view="settings"]')
  await app.wait('#slack-webhook')
  await shot('settings')
  await app.clickOn('#nav [data-view="links"]')
  await app.clickOn('tr[data-description="E2E visitor"] .revoke')
  await app.clickOn('tr[data-description="E2E visitor"] .confirm-revoke')
  await app.waitText('tr[data-description="E2E visitor"] .link-state', /^revoked$/)
  const r = await fetch(`${url}/g/api/unlock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.split('#')[1], acs_entrance_id: doors['Back Office'] }),
  })
  const answer = await r.json()
  assert.equal(answer.action_attempt?.error?.type, 'guest_link_revoked', `a revoked link opens nothing: ${JSON.stringify(answer)}`)
})
