// Shared fixtures of the guest-page browser suite: a real ajar-server (127.0.0.1, random port,
// fresh data directory), an admin API client, guest-link factories, and Debian's Chromium
// (/usr/bin/chromium, never a downloaded browser) driven by playwright-core with a fresh
// temporary profile and every background-networking feature off.
//
// Environment:
//   AJAR_SERVER_BIN      server binary (default <repo>/target/debug/ajar-server, built when missing)
//   CHROMIUM_BIN         browser binary (default /usr/bin/chromium)
//   AJAR_SCREENSHOT_DIR  where screenshots go (default <repo>/target/browser-screenshots;
//                        scripts/test-browser --update-screenshots sets docs/screenshots)
//   AJAR_GUEST_ASSETS_OVERRIDE  a directory with index.html/app.js/app.css: the browser gets
//                        these bodies instead of the server's (same status and headers), to
//                        check that the suite catches a broken page without rebuilding the server

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const repo = resolve(here, '..', '..')

export const PHONE = { width: 390, height: 844 }

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export const tag = () => randomUUID().slice(0, 8)
export const randomAlnum = (n) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('')
}

// ---------------------------------------------------------------------------------------
// server
// ---------------------------------------------------------------------------------------

function serverBinary() {
  if (process.env.AJAR_SERVER_BIN) return process.env.AJAR_SERVER_BIN
  const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target')
  const bin = join(target, 'debug', 'ajar-server')
  if (!existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '-p', 'ajar-server'], { cwd: repo, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('cargo build -p ajar-server failed')
  }
  return bin
}

export async function startServer() {
  const base = mkdtempSync(join(tmpdir(), 'ajar-browser-'))
  const dataDir = join(base, 'data')
  const logPath = join(base, 'server.log')
  const apiKey = `seam_browsertest_${randomAlnum(32)}`
  const env = { ...process.env, AJAR_BOOTSTRAP_API_KEY: apiKey, AJAR_LOG: 'warn', NO_COLOR: '1' }
  for (const k of ['AJAR_LISTEN', 'AJAR_DATA_DIR', 'AJAR_PUBLIC_URL', 'AJAR_DEFAULT_PULSE_MS']) delete env[k]
  const proc = spawn(serverBinary(), ['--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', openSync(logPath, 'w')],
  })
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`ajar-server did not start; see ${logPath}`)), 60_000)
    const lines = createInterface({ input: proc.stdout })
    lines.on('line', (line) => {
      const m = /^ajar-server listening on (http:\/\/\S+)$/.exec(line.trim())
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1].replace(/\/$/, ''))
      }
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`ajar-server exited (${code}) before listening: ${readFileSync(logPath, 'utf8').slice(-4000)}`))
    })
  })
  proc.removeAllListeners('exit')
  const killOnExit = () => proc.kill('SIGKILL')
  process.once('exit', killOnExit)

  async function api(path, body) {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    })
    const text = await res.text()
    const json = text ? JSON.parse(text) : null
    assert.equal(res.status, 200, `${path} ${JSON.stringify(body)} -> ${res.status} ${text}`)
    return json
  }

  async function stop() {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    }
    process.removeListener('exit', killOnExit)
    rmSync(base, { recursive: true, force: true })
  }

  return { url, origin: new URL(url).origin, apiKey, api, stop, logPath }
}

// ---------------------------------------------------------------------------------------
// fixtures: a site, doors, an issuer with a cloud key, and guest links
// ---------------------------------------------------------------------------------------

export function fixtures(server) {
  const { api } = server
  let systemId

  async function site() {
    if (!systemId) {
      const r = await api('/acs/systems/create', { name: 'Browser test site', time_zone: 'Europe/Berlin' })
      systemId = r.acs_system.acs_system_id
    }
    return systemId
  }

  async function door(displayName, relockPulseMs = 5000) {
    const r = await api('/acs/entrances/create', {
      acs_system_id: await site(),
      display_name: displayName,
      relock_pulse_ms: relockPulseMs,
    })
    return r.acs_entrance
  }

  // An issuer with a cloud key for `doors`, and a guest link sharing them.
  async function link({
    doors = ['Front door'],
    issuer = `Alex Host ${tag()}`,
    description = 'Welcome! The code is in the door app.',
    startsAt,
    endsAt = new Date(Date.now() + 24 * 3600_000).toISOString(),
    maxUnlockCount,
    relockPulseMs = 5000,
  } = {}) {
    const entrances = []
    for (const d of doors) entrances.push(await door(d, relockPulseMs))
    const ids = entrances.map((e) => e.acs_entrance_id)
    const user = (await api('/user_identities/create', { full_name: issuer })).user_identity
    await api('/access_grants/create', {
      user_identity_id: user.user_identity_id,
      acs_entrance_ids: ids,
      requested_access_methods: [{ mode: 'cloud_key' }],
    })
    const body = { user_identity_id: user.user_identity_id, acs_entrance_ids: ids, description, ends_at: endsAt }
    if (startsAt) body.starts_at = startsAt
    if (maxUnlockCount) body.max_unlock_count = maxUnlockCount
    const gl = (await api('/guest_links/create', body)).guest_link
    const url = gl.url
    const token = url.split('#')[1]
    assert.match(token, /^[0-9A-Za-z]{43}$/, `unexpected link URL ${url}`)
    assert.ok(url.startsWith(`${server.url}/g#`), `link URL ${url} is not on ${server.url}`)
    return { id: gl.guest_link_id, url, token, issuer, issuerId: user.user_identity_id, description, entrances, ids }
  }

  async function unlockEvents(acsEntranceId) {
    const r = await api('/events/list', { event_types: ['lock.unlocked'], acs_entrance_id: acsEntranceId, limit: 1000 })
    return r.events
  }

  async function allUnlockEvents() {
    return (await api('/events/list', { event_types: ['lock.unlocked'], limit: 1000 })).events
  }

  async function getLink(id) {
    return (await api('/guest_links/get', { guest_link_id: id })).guest_link
  }

  async function revoke(id) {
    await api('/guest_links/revoke', { guest_link_id: id })
  }

  return { site, door, link, unlockEvents, allUnlockEvents, getLink, revoke }
}

// ---------------------------------------------------------------------------------------
// browser
// ---------------------------------------------------------------------------------------

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

// One persistent context on a fresh temporary --user-data-dir, phone-sized by default.
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium'
  assert.ok(existsSync(executablePath), `${executablePath} is missing (apt-get install chromium)`)
  const profile = mkdtempSync(join(tmpdir(), 'ajar-chromium-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
    serviceWorkers: 'block',
  })
  // Close the blank page a persistent context opens with.
  for (const p of context.pages()) await p.close()
  async function close() {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
  return { context, close }
}

// A new page that records every request and response it makes, uncaught errors, and CSP
// violations (through an init script, which CSP does not govern).
export async function openPage(context) {
  const page = await context.newPage()
  const requests = []
  const responses = []
  const errors = []
  page.on('request', (r) => requests.push(r))
  page.on('response', (r) => responses.push(r))
  page.on('pageerror', (e) => errors.push(e))
  const override = process.env.AJAR_GUEST_ASSETS_OVERRIDE
  if (override) {
    const files = { '/g': 'index.html', '/g/': 'index.html', '/g/app.js': 'app.js', '/g/app.css': 'app.css' }
    await page.route(
      (u) => Object.hasOwn(files, u.pathname),
      async (route) => {
        const file = join(override, files[new URL(route.request().url()).pathname])
        const response = await route.fetch()
        if (!existsSync(file)) return route.fulfill({ response })
        await route.fulfill({ response, body: readFileSync(file) })
      },
    )
  }
  await page.addInitScript(() => {
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  return { page, requests, responses, errors }
}

// "METHOD path" of recorded requests, with the JSON body of POSTs.
export function summarize(requests) {
  return requests.map((r) => {
    const u = new URL(r.url())
    let body = null
    if (r.method() !== 'GET') {
      try {
        body = JSON.parse(r.postData() || 'null')
      } catch {
        body = r.postData()
      }
    }
    return { method: r.method(), path: u.pathname, origin: u.origin, url: r.url(), body, request: r }
  })
}

export function screenshotDir() {
  const dir = process.env.AJAR_SCREENSHOT_DIR || join(repo, 'target', 'browser-screenshots')
  mkdirSync(dir, { recursive: true })
  return dir
}

// Names of the screenshots taken by this process.
export const screenshotsTaken = new Set()

export async function screenshot(page, name) {
  const path = join(screenshotDir(), `guest-${name}.png`)
  await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' })
  screenshotsTaken.add(name)
  return path
}
