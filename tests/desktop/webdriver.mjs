// A minimal W3C WebDriver client (fetch only) for tauri-driver, which forwards to WebKitWebDriver
// and drives the real app window. Also starts and stops tauri-driver itself: always with SIGTERM,
// never SIGKILL (a killed tauri-driver orphans WebKitWebDriver, which keeps its port and pipes).

import { spawn } from 'node:child_process'
import { createServer } from 'node:net'

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export async function startDriver(bin, env, log) {
  const port = await freePort()
  const nativePort = await freePort()
  const proc = spawn(bin, ['--port', String(port), '--native-port', String(nativePort)], {
    env,
    stdio: ['ignore', log, log],
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/status`)
      if (r.ok) break
    } catch {}
    await sleep(100)
  }
  async function stop() {
    if (proc.exitCode !== null) return
    proc.kill('SIGTERM')
    await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(5000)])
  }
  return { base, proc, stop }
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'

export class Session {
  static async create(base, application) {
    const r = await call(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
    })
    const s = new Session()
    s.base = base
    s.id = r.sessionId
    return s
  }
  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body)
  }
  async find(css) {
    const r = await this.cmd('POST', '/element', { using: 'css selector', value: css })
    return r[ELEMENT]
  }
  async findAll(css) {
    const r = await this.cmd('POST', '/elements', { using: 'css selector', value: css })
    return r.map((e) => e[ELEMENT])
  }
  // Waits until `css` matches (and, when given, `pred(element)` holds); answers the element.
  async wait(css, { timeout = 15000, pred } = {}) {
    const end = Date.now() + timeout
    let last
    while (Date.now() < end) {
      try {
        const els = await this.findAll(css)
        for (const el of els) if (!pred || (await pred(el))) return el
      } catch (e) {
        last = e
      }
      await sleep(150)
    }
    throw new Error(`timed out waiting for ${css}${last ? `: ${last.message}` : ''}`)
  }
  // Waits until the text of an element matching `css` matches `re` (elements redrawn meanwhile
  // are looked up again); answers the text.
  async waitText(css, re, timeout = 15000) {
    const end = Date.now() + timeout
    let seen = []
    while (Date.now() < end) {
      try {
        seen = []
        for (const el of await this.findAll(css)) {
          const t = await this.text(el)
          seen.push(t)
          if (re.test(t)) return t
        }
      } catch {}
      await sleep(150)
    }
    throw new Error(`timed out waiting for ${css} to match ${re}; saw ${JSON.stringify(seen).slice(0, 500)}`)
  }
  // Clicks the element matching `css`, looking it up again if it was redrawn.
  async clickOn(css, timeout = 15000) {
    const end = Date.now() + timeout
    let last
    while (Date.now() < end) {
      try {
        return await this.click(await this.find(css))
      } catch (e) {
        last = e
      }
      await sleep(150)
    }
    throw last
  }
  click(el) {
    return this.cmd('POST', `/element/${el}/click`, {})
  }
  async type(el, text) {
    await this.cmd('POST', `/element/${el}/clear`, {})
    if (text) await this.keys(el, text)
  }
  keys(el, text) {
    return this.cmd('POST', `/element/${el}/value`, { text, value: [...text] })
  }
  text(el) {
    return this.cmd('GET', `/element/${el}/text`)
  }
  prop(el, name) {
    return this.cmd('GET', `/element/${el}/property/${name}`)
  }
  exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args })
  }
  execAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args })
  }
  source() {
    return this.cmd('GET', '/source')
  }
  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64')
  }
  async close() {
    try {
      await this.cmd('DELETE', '')
    } catch {}
  }
}

async function call(base, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  const j = await r.json().catch(() => ({}))
  if (!r.ok || (j.value && j.value.error)) {
    throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j.value || j).slice(0, 500)}`)
  }
  return j.value
}
