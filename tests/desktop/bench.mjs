// Desktop benchmark: cold start of the real app to the door list drawn from the cache, and the
// resident memory of the app's process tree (ajar-app + WebKit's web and network processes) at
// that moment. Baseline in the same run: cold start to the sign-in view (no profile, nothing to
// draw but a form), i.e. the floor of Tauri + WebKitGTK on this machine.
//
// Needs the same session as e2e.test.mjs (Xvfb, D-Bus with an unlocked keyring): run it with
// `scripts/test-desktop --bench`. AJAR_APP_BIN picks the binary (the script uses the release one).
// The app prints "ajar-app ready <view> <epoch ms>" when AJAR_APP_BENCH is set (commands::ui_ready).

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { Session, sleep, startDriver } from './webdriver.mjs'

const APP = process.env.AJAR_APP_BIN
const SERVER = process.env.AJAR_SERVER_BIN
const DRIVER = process.env.TAURI_DRIVER
const RUNS = Number(process.env.AJAR_BENCH_RUNS || 10)
const work = mkdtempSync(join(tmpdir(), 'ajar-desktop-bench-'))
const apiKey = `seam_bench_${randomBytes(16).toString('hex')}`

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }

function children(pid) {
  const out = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) out.push(Number(d), ...children(Number(d)))
    } catch {}
  }
  return out
}
function rssKb(pid) {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) } catch { return 0 }
}
// Proportional set size: shared pages (the WebKit libraries all three processes map) counted once.
function pssKb(pid) {
  try { return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) } catch { return 0 }
}

// Starts the app, waits for "ready <what>", answers [ms from spawn, MB resident of the tree].
async function coldStart(dataDir, what) {
  const t0 = Date.now()
  const p = spawn(APP, [], { env: { ...process.env, AJAR_APP_DATA_DIR: dataDir, AJAR_APP_BENCH: '1' }, stdio: ['ignore', 'pipe', 'ignore'] })
  const ready = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no "ready ${what}" within 30 s`)), 30000)
    createInterface({ input: p.stdout }).on('line', (l) => {
      const m = /^ajar-app ready (\w+) (\d+)$/.exec(l)
      if (m && m[1] === what) { clearTimeout(t); res(Number(m[2])) }
    })
  })
  await sleep(1500) // let the first refresh land, then measure memory "after start"
  const pids = [p.pid, ...children(p.pid)]
  const sum = (f) => pids.map(f).reduce((a, b) => a + b, 0) / 1024
  const comm = (pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() } catch { return '?' } }
  const mb = { rss: sum(rssKb), pss: sum(pssKb), app: pssKb(p.pid) / 1024, each: pids.map((x) => `${comm(x)} ${(pssKb(x) / 1024).toFixed(0)} MB`).join(', ') }
  p.kill('SIGTERM')
  await Promise.race([new Promise((r) => p.once('exit', r)), sleep(5000)])
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  return [ready - t0, mb, pids.length]
}

const server = spawn(SERVER, ['--listen', '127.0.0.1:0', '--data-dir', join(work, 'srv')], { env: { ...process.env, AJAR_BOOTSTRAP_API_KEY: apiKey, AJAR_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'ignore'] })
const url = await new Promise((res) => createInterface({ input: server.stdout }).on('line', (l) => { const m = /^ajar-server listening on (http:\/\/\S+)$/.exec(l.trim()); if (m) res(m[1].replace(/\/$/, '')) }))
const api = async (path, body) => (await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()
try {
  // 3 sites x 20 doors, a front-desk user with a key for all.
  const ids = []
  for (let s = 0; s < 3; s++) {
    const site = (await api('/acs/systems/create', { name: `Site ${s + 1}`, time_zone: 'Europe/Berlin' })).acs_system.acs_system_id
    for (let d = 0; d < 20; d++) ids.push((await api('/acs/entrances/create', { acs_system_id: site, display_name: `Door ${s + 1}-${d + 1}` })).acs_entrance.acs_entrance_id)
  }
  const user = (await api('/user_identities/create', { full_name: 'Bench Desk', role: 'front_desk' })).user_identity.user_identity_id
  await api('/access_grants/create', { user_identity_id: user, acs_entrance_ids: ids, requested_access_methods: [{ mode: 'cloud_key' }] })
  const token = (await api('/client_sessions/create', { user_identity_id: user })).client_session.token

  // Baseline: no profile, sign-in view.
  const empty = mkdtempSync(join(work, 'empty-'))
  const base = []
  for (let i = 0; i < RUNS; i++) base.push(await coldStart(empty, 'signin'))

  // Sign in once through the real window (token into the keyring, doors into the cache).
  const dataDir = join(work, 'app-data')
  const driver = await startDriver(DRIVER, { ...process.env, AJAR_APP_DATA_DIR: dataDir }, openSync(join(work, 'driver.log'), 'w'))
  const app = await Session.create(driver.base, APP)
  await app.wait('#signin-form')
  await app.type(await app.find('#signin-server'), url)
  await app.type(await app.find('#signin-token'), token)
  await app.click(await app.find('#signin-submit'))
  await app.wait('.door[data-name="Door 3-20"]', { timeout: 30000 })
  await app.close()
  await driver.stop()

  const doors = []
  for (let i = 0; i < RUNS; i++) doors.push(await coldStart(dataDir, 'doors'))
  const m = (xs, k) => median(xs.map((x) => x[1][k])).toFixed(0)
  const row = (name, xs) => `| ${name} | ${median(xs.map((x) => x[0]))} ms | ${Math.min(...xs.map((x) => x[0]))}–${Math.max(...xs.map((x) => x[0]))} ms | ${m(xs, 'pss')} MB | ${m(xs, 'rss')} MB | ${m(xs, 'app')} MB |`
  console.log(`\nDesktop cold start, ${RUNS} runs each, ${APP}`)
  console.log(`| start to | median | range | memory, PSS of the ${doors[0][2]} processes | RSS summed | ajar-app alone (PSS) |`)
  console.log('| --- | --- | --- | --- | --- | --- |')
  console.log(row('sign-in view drawn (baseline: no profile)', base))
  console.log(row('door list drawn from the cache (60 doors, 3 sites)', doors))
  console.log(`PSS per process (last run): ${doors.at(-1)[1].each}`)
  console.log(`ratio door list / baseline: ${(median(doors.map((x) => x[0])) / median(base.map((x) => x[0]))).toFixed(2)}`)
} finally {
  server.kill('SIGTERM')
  rmSync(work, { recursive: true, force: true })
}
