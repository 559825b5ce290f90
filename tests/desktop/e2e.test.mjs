// End to end in the real app: target/debug/ajar-app (a real WebKitGTK window under Xvfb) driven
// through tauri-driver + WebKitWebDriver, against a real ajar-server on 127.0.0.1 with a fresh
// database, and Debian's Chromium (playwright-core) as the guest. The app keeps its token in the OS
// keyring, so this runs inside a session with a Secret Service (scripts/test-desktop starts one).
//
// Flow: sign in, unlock a door, create a guest link for two doors, read the link from the share
// sheet, open it in Chromium and unlock as the guest, see that unlock in the app's Activity.
// Screenshots of each view go to AJAR_SCREENSHOT_DIR (default target/desktop-screenshots).
//
// Second flow, the control center (issue 9): an admin, in the app, adds a user, gives them a cloud
// key for two doors for tomorrow only and issues a sign-in code; the CLI (standing in for the
// phone) redeems it and is refused today, and refused any share outside the key; with a second
// key active today the user shares a guest link, which opens the door until the admin turns
// Remote Unlock off in the app.
//
// Environment: AJAR_SERVER_BIN, AJAR_APP_BIN, AJAR_CLI_BIN, TAURI_DRIVER (default
// ~/.cargo/bin/tauri-driver), CHROMIUM_BIN (default /usr/bin/chromium).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
const CLI = process.env.AJAR_CLI_BIN || join(target, 'debug', 'ajar')
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
  for (const [what, p] of [['ajar-server', SERVER], ['ajar-app', APP], ['ajar', CLI], ['tauri-driver', DRIVER]]) {
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

// The `ajar` CLI with its own config dir (its token goes to the session's keyring): exit code,
// stdout, stderr. `input` goes to stdin (how a sign-in code is best passed).
function cli(args, input) {
  return new Promise((res, rej) => {
    const env = { ...process.env, AJAR_CONFIG_DIR: join(work, 'cli'), NO_COLOR: '1' }
    for (const v of ['AJAR_SERVER', 'AJAR_TOKEN', 'AJAR_PROFILE']) delete env[v]
    const p = spawn(CLI, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = '', err = ''
    p.stdout.on('data', (d) => { out += d })
    p.stderr.on('data', (d) => { err += d })
    p.on('error', rej)
    p.on('exit', (code) => res({ code, out, err }))
    p.stdin.end(input || '')
  })
}

// The civil date in a zone, `days` from now ("2026-11-24").
function civilDate(zone, days) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(Date.now() + days * 86400000))
  const get = (t) => parts.find((p) => p.type === t).value
  return `${get('year')}-${get('month')}-${get('day')}`
}

async function guestUnlock(link, door) {
  const r = await fetch(`${url}/g/api/unlock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.split('#')[1], acs_entrance_id: door }),
  })
  return { status: r.status, body: await r.json() }
}

test('control center: a user, a cloud key for tomorrow, a sign-in code redeemed by the CLI, Remote Unlock off stops their guest link', async () => {
  const zone = 'Europe/Lisbon'
  const site = (await api('/acs/systems/create', { name: 'Lisbon Office', time_zone: zone })).acs_system.acs_system_id
  const doors = {}
  for (const name of ['Street Door', 'Studio', 'Vault']) {
    doors[name] = (await api('/acs/entrances/create', { acs_system_id: site, display_name: name, relock_pulse_ms: 3000 })).acs_entrance.acs_entrance_id
  }
  const ada = (await api('/user_identities/create', { full_name: 'Ada Admin', role: 'admin' })).user_identity.user_identity_id
  const adminToken = (await api('/client_sessions/create', { user_identity_id: ada })).client_session.token

  // A fresh app window (it reopens the last profile); Ada signs in as a second profile.
  await app?.close()
  app = await Session.create(driver.base, APP)
  await app.wait('#signin-form, #nav [data-view="settings"]')
  if (!(await app.findAll('#signin-form')).length) {
    await app.clickOn('#nav [data-view="settings"]')
    await app.clickOn('#add-profile')
    await app.wait('#signin-form')
  }
  await app.type(await app.find('#signin-server'), url)
  await app.type(await app.find('#signin-token'), adminToken)
  await app.type(await app.find('#signin-profile'), 'admin')
  await app.click(await app.find('#signin-submit'))
  await app.waitText('#me', /Ada Admin \(admin\)/)
  // The control center appears once the role is known.
  await app.clickOn('#nav [data-view="people"]', 20000)

  // Add Maya (member).
  await app.clickOn('#person-add')
  await app.type(await app.find('#person-name'), 'Maya Member')
  await app.type(await app.find('#person-email'), 'maya@example.test')
  await app.clickOn('#person-save')
  await app.waitText('#person-dialog h2', /^Maya Member$/)
  const maya = (await api('/people/list', { search: 'maya' })).people[0].user_identity
  assert.equal(maya.role, 'member')

  // Her cloud key: Street Door and Studio, tomorrow only (site time).
  const tomorrow = civilDate(zone, 1)
  const dayAfter = civilDate(zone, 2)
  const setWindow = (from, until) => app.exec(
    `for (const [id, v] of [['#key-from', arguments[0]], ['#key-until', arguments[1]]]) { const el = document.querySelector(id); el.value = v; el.dispatchEvent(new Event('change')) }`,
    [from, until])
  await app.type(await app.find('#key-name'), 'Tomorrow only')
  await app.click(await app.find('.key-door[data-door="Street Door"]'))
  await app.click(await app.find('.key-door[data-door="Studio"]'))
  await setWindow(`${tomorrow}T00:00`, `${dayAfter}T00:00`)
  await app.waitText('#key-preview', new RegExp(`${tomorrow} 00:00 .*→ ${dayAfter} 00:00 .*\\(Europe/Lisbon\\)`))
  await shot('person-credentials')
  await app.clickOn('#key-add')
  await app.waitText('.key-row[data-name="Tomorrow only"] .key-state', /^scheduled$/, 20000)
  await app.waitText('.key-row[data-name="Tomorrow only"] .key-doors', /^Street Door, Studio$/)
  const [key] = (await api('/cloud_keys/list', { user_identity_id: maya.user_identity_id })).cloud_keys
  assert.deepEqual([...key.acs_entrance_ids].sort(), [doors['Street Door'], doors.Studio].sort())
  assert.match(key.starts_at_local, new RegExp(`^${tomorrow}T00:00`))
  assert.match(key.ends_at_local, new RegExp(`^${dayAfter}T00:00`))
  // Remote unlock is on, and the switch says what turning it off does.
  assert.equal(await app.prop(await app.find('#remote-unlock'), 'checked'), true)
  assert.match(await app.text(await app.find('#remote-unlock-note')), /Turning it off stops this user's unlocks and every guest link they issued, at the next request\./)

  // A sign-in code for her phone: shown once, gone after Done, never stored by the app.
  await app.clickOn('#signin-issue')
  await app.wait('#signin-secret')
  const code = await app.prop(await app.find('#signin-code'), 'value')
  assert.match(code, /^ajar:signin\?/)
  await shot('person-signin')
  await app.clickOn('#signin-done')
  const secret = decodeURIComponent(code.split('token=')[1])
  assert.ok(!(await app.source()).includes(secret), 'the sign-in code stayed on screen')
  const stored = await app.exec('return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie')
  assert.ok(!stored.includes(secret))
  const appFiles = readdirRecursive(join(work, 'app-data')).map((f) => readFileSync(f, 'latin1')).join('\n')
  assert.ok(!appFiles.includes(secret), 'the app wrote the sign-in code to disk')

  // The phone (the CLI) redeems the code.
  const login = await cli(['login', '--name', 'phone'], code)
  assert.equal(login.code, 0, `ajar login: ${login.err}`)
  // Today: no unlock (exit 4, refused), and no share outside the key.
  const today = await cli(['unlock', 'Street Door'])
  assert.equal(today.code, 4, `unlock today: ${today.out}${today.err}`)
  assert.match(today.out + today.err, /not yet|starts|not_yet_started/i)
  // Outside the key in time (today; past its end): refused by the server (exit 4).
  for (const args of [
    ['share', 'Street Door', '--for', '1h', '--description', 'today'],
    ['share', 'Street Door', '--from', `${tomorrow}T20:00`, '--until', `${dayAfter}T02:00`, '--description', 'past the key'],
  ]) {
    const r = await cli(['--json', ...args])
    assert.equal(r.code, 4, `${args.join(' ')} was not refused: ${r.code} ${r.out}${r.err}`)
  }
  // Outside the key in space: Vault is not even among her doors (exit 6, not found), and the
  // server refuses it too when asked directly with her token.
  const vault = await cli(['--json', 'share', 'Vault', '--for', '1h', '--description', 'not in the key'])
  assert.equal(vault.code, 6, `share Vault: ${vault.code} ${vault.out}${vault.err}`)
  const direct = await fetch(`${url}/guest_links/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ acs_entrance_ids: [doors.Vault], description: 'direct', ends_at: new Date(Date.now() + 3600000).toISOString() }),
  })
  const directBody = await direct.json()
  assert.equal(direct.status, 403, `the server made a link for Vault: ${JSON.stringify(directBody)}`)
  assert.equal(directBody.error.type, 'guest_link_exceeds_issuer_access')
  assert.deepEqual(directBody.error.data.acs_entrance_ids_not_covered, [doors.Vault])
  const mayasLinks = async () => (await api('/guest_links/list', {})).guest_links.filter((l) => l.issuer_user_identity_id === maya.user_identity_id)
  assert.deepEqual(await mayasLinks(), [], 'a link outside the key was made')
  // Inside the key (tomorrow morning) a share is allowed: the boundary is the key, not the user.
  const inside = await cli(['--json', 'share', 'Studio', '--from', `${tomorrow}T09:00`, '--until', `${tomorrow}T10:00`, '--description', 'tomorrow morning'])
  assert.equal(inside.code, 0, `share inside the key: ${inside.out}${inside.err}`)

  // A second key, active from now to midnight, for Street Door: now Maya can share it today.
  await app.type(await app.find('#key-name'), 'Today')
  await app.click(await app.find('.key-door[data-door="Street Door"]'))
  await setWindow('', `${tomorrow}T00:00`)
  await app.clickOn('#key-add')
  await app.waitText('.key-row[data-name="Today"] .key-state', /^active$/, 20000)
  const shared = await cli(['--json', 'share', 'Street Door', '--for', '1h', '--description', 'Courier'])
  assert.equal(shared.code, 0, `share today: ${shared.out}${shared.err}`)
  const link = JSON.parse(shared.out).url
  assert.match(link, /\/g#/)
  const before = await guestUnlock(link, doors['Street Door'])
  assert.equal(before.body.action_attempt?.error, null, `the guest link opens the door: ${JSON.stringify(before.body)}`)

  // Remote Unlock off, in the app: the guest link stops at the next request, and so does Maya.
  await app.clickOn('#remote-unlock')
  await app.waitText('#remote-unlock-state', /^Off$/, 20000)
  await app.waitText('#remote-unlock-note', /It is off now/)
  await shot('remote-unlock-off')
  const after = await guestUnlock(link, doors['Street Door'])
  assert.equal(after.body.action_attempt?.error?.type, 'guest_link_issuer_lost_access', JSON.stringify(after.body))
  assert.match(after.body.action_attempt.error.message, /remote_unlock_disabled/)
  const mayaNow = await cli(['unlock', 'Street Door'])
  assert.equal(mayaNow.code, 4, `unlock with Remote Unlock off: ${mayaNow.out}${mayaNow.err}`)
  const shareOff = await cli(['--json', 'share', 'Street Door', '--for', '1h', '--description', 'again'])
  assert.equal(shareOff.code, 4, `share with Remote Unlock off: ${shareOff.out}`)

  // The admin's changes are in Activity: who did what.
  await app.clickOn('#person-close')
  await app.clickOn('#nav [data-view="activity"]')
  await app.waitText('.activity-row', /Ada Admin[\s\S]*remote unlock off[\s\S]*admin[\s\S]*Maya Member/, 20000)
  await app.waitText('.activity-row', /Ada Admin[\s\S]*cloud key added[\s\S]*Maya Member/)
  await app.waitText('.activity-row', /Ada Admin[\s\S]*sign-in issued[\s\S]*Maya Member/)
  await shot('activity-admin')
})

function readdirRecursive(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? readdirRecursive(join(dir, e.name)) : [join(dir, e.name)]))
}
