// The guest-link page (/g) in a real browser: Debian's Chromium driven by playwright-core,
// against a real ajar-server started once for this file (127.0.0.1, random port, fresh data
// directory). Run with `node --test` (scripts/test-browser installs and builds what it needs).
//
// Every test asks the server what happened (lock.unlocked events, the link's counters) as well as
// what the page shows, so a page that opens doors on load, opens twice on a double tap, renders
// HTML from the description, or leaks its token would fail here.

import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'

import {
  PHONE,
  fixtures,
  launchBrowser,
  openPage,
  randomAlnum,
  screenshot,
  screenshotDir,
  screenshotsTaken,
  sleep,
  startServer,
  summarize,
} from './harness.mjs'

let server
let fx
let browser

before(async () => {
  server = await startServer()
  fx = fixtures(server)
  browser = await launchBrowser()
  browser.context.setDefaultTimeout(15_000)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

const T = { timeout: 90_000 }
const PAGE_PATHS = ['/g', '/g/app.css', '/g/app.js']
const SHOTS = ['active', 'opened', 'revoked', 'expired', 'scheduled', 'used-up', 'not-valid']

const doorButton = (page, name) => page.locator('button.door', { hasText: name })
const stateOf = (button) => button.locator('.state').innerText()
const unlockRequests = (requests) => summarize(requests).filter((r) => r.method === 'POST' && r.path === '/g/api/unlock')
const nonGet = (requests) => summarize(requests).filter((r) => r.method !== 'GET')

async function waitOpen(button) {
  await button.and(button.page().locator('button.door.open')).waitFor()
  assert.match(await stateOf(button), /^Open · locks in \d+ s$/)
}

async function waitError(button) {
  await button.and(button.page().locator('button.door.err')).waitFor()
  return stateOf(button)
}

async function waitHeading(page, text) {
  await page.locator('h1', { hasText: text }).waitFor()
  assert.equal(await page.locator('h1').innerText(), text)
}

describe('guest page in Chromium', () => {
  test('opening a link, scrolling and focusing its doors opens nothing (10 s)', T, async (t) => {
    const l = await fx.link({
      doors: ['Front door', 'Bike shed', 'Roof terrace'],
      issuer: 'Marta Keller',
      description: 'Flat 3, second floor. The bike shed is behind the house.',
    })
    const { page, requests, errors } = await openPage(browser.context)
    await page.goto(l.url)
    const doors = page.locator('button.door')
    await doors.first().waitFor()
    assert.equal(await doors.count(), 3)

    await waitHeading(page, 'Tap a door to open it')
    const text = await page.locator('#app').innerText()
    assert.ok(text.includes('Shared by Marta Keller'), text)
    assert.ok(await page.getByText(l.description, { exact: true }).isVisible(), 'description not visible')
    for (const [i, name] of ['Front door', 'Bike shed', 'Roof terrace'].entries()) {
      assert.ok(await doors.nth(i).isVisible())
      assert.ok(await doors.nth(i).isEnabled())
      assert.equal((await doors.nth(i).innerText()).split('\n')[0], name)
      assert.equal(await stateOf(doors.nth(i)), 'Tap to open')
    }
    await screenshot(page, 'active')

    // Everything a visitor might do short of tapping a door.
    await page.mouse.wheel(0, 600)
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
    await page.evaluate(() => window.scrollTo(0, 0))
    for (let i = 0; i < 3; i++) {
      await doors.nth(i).scrollIntoViewIfNeeded()
      await doors.nth(i).hover()
      await doors.nth(i).focus()
    }
    await page.evaluate(() => document.activeElement.blur())
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab')
    await page.keyboard.press('Shift+Tab')
    await page.evaluate(() => window.dispatchEvent(new Event('resize')))
    await sleep(10_000)

    const posts = nonGet(requests)
    assert.deepEqual(
      posts.map((r) => `${r.method} ${r.path}`),
      ['POST /g/api/view'],
      'the only non-GET request is the view',
    )
    assert.deepEqual(posts[0].body, { token: l.token })
    for (const id of l.ids) assert.equal((await fx.unlockEvents(id)).length, 0, `lock.unlocked for ${id}`)
    const after = await fx.getLink(l.id)
    assert.equal(after.unlock_count, 0)
    assert.equal(after.view_count, 1)
    assert.equal(after.state, 'active')
    for (let i = 0; i < 3; i++) assert.equal(await stateOf(doors.nth(i)), 'Tap to open')
    assert.deepEqual(await page.evaluate(() => window.__csp), [])
    assert.deepEqual(errors, [])
    await page.close()
  })

  test('a tap opens that door once, as the link and its issuer, then it relocks', T, async () => {
    const l = await fx.link({ doors: ['Main entrance', 'Garage'], issuer: 'Jonas Weber', relockPulseMs: 3000 })
    const { page, requests, errors } = await openPage(browser.context)
    await page.goto(l.url)
    const door = doorButton(page, 'Main entrance')
    await door.tap()
    await waitOpen(door)
    await screenshot(page, 'opened')
    await sleep(1000)

    const events = await fx.unlockEvents(l.ids[0])
    assert.equal(events.length, 1, JSON.stringify(events))
    const [ev] = events
    assert.equal(ev.event_type, 'lock.unlocked')
    assert.equal(ev.guest_link_id, l.id)
    assert.equal(ev.user_identity_id, l.issuerId)
    assert.equal(ev.acs_entrance_id, l.ids[0])
    assert.equal((await fx.unlockEvents(l.ids[1])).length, 0, 'the other door stayed shut')
    assert.equal((await fx.getLink(l.id)).unlock_count, 1)

    const unlocks = unlockRequests(requests)
    assert.equal(unlocks.length, 1)
    assert.deepEqual(unlocks[0].body, { token: l.token, acs_entrance_id: l.ids[0] })
    const key = (await unlocks[0].request.allHeaders())['idempotency-key']
    assert.ok(key && key.length >= 16, `Idempotency-Key: ${key}`)

    assert.equal(await stateOf(doorButton(page, 'Garage')), 'Tap to open')
    await page.locator('button.door', { hasText: 'Locked again' }).waitFor({ timeout: 10_000 })
    assert.ok(await door.isEnabled(), 'enabled again after relocking')
    assert.equal(await door.getAttribute('aria-disabled'), null)
    assert.ok(!(await door.getAttribute('class')).includes('open'))
    assert.deepEqual(errors, [])
    await page.close()
  })

  test('double taps, triple clicks and a retried request open once per tap burst', T, async (t) => {
    const bursts = {
      dblclick: async (b) => b.dblclick(),
      'triple click': async (b) => b.click({ clickCount: 3 }),
      'three fast mouse clicks': async (b, page) => {
        const box = await b.boundingBox()
        for (let i = 0; i < 3; i++) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
      },
      'three fast taps': async (b, page) => {
        const box = await b.boundingBox()
        for (let i = 0; i < 3; i++) await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2)
      },
      'scripted clicks': async (b) =>
        b.evaluate((el) => {
          el.click()
          el.click()
          el.dispatchEvent(new MouseEvent('click', { bubbles: true }))
        }),
    }
    const names = Object.keys(bursts)
    const l = await fx.link({ doors: names.map((n) => `Door ${n}`), issuer: 'Pia Brandt' })
    const { page, requests, errors } = await openPage(browser.context)
    await page.goto(l.url)
    await page.locator('button.door').first().waitFor()
    for (const name of names) {
      const b = doorButton(page, `Door ${name}`)
      await bursts[name](b, page)
      await waitOpen(b)
    }
    await sleep(1500)
    for (const [i, name] of names.entries()) {
      const n = (await fx.unlockEvents(l.ids[i])).length
      const sent = unlockRequests(requests).filter((r) => r.body.acs_entrance_id === l.ids[i]).length
      t.diagnostic(`${name}: ${sent} unlock request(s), ${n} lock.unlocked event(s)`)
      assert.equal(n, 1, `${name}: lock.unlocked events`)
      assert.equal(sent, 1, `${name}: unlock requests`)
    }
    assert.equal((await fx.getLink(l.id)).unlock_count, names.length)
    const keys = await Promise.all(unlockRequests(requests).map(async (r) => (await r.request.allHeaders())['idempotency-key']))
    assert.equal(new Set(keys).size, names.length, 'one Idempotency-Key per tap burst')
    assert.deepEqual(errors, [])
    await page.close()

    // A tap whose answer is lost: the server opened the door, the page never heard, and retries
    // with the same Idempotency-Key, which must not open it a second time.
    const r = await fx.link({ doors: ['Flaky door'], issuer: 'Pia Brandt' })
    const flaky = await openPage(browser.context)
    let dropped = 0
    await flaky.page.route('**/g/api/unlock', async (route) => {
      if (dropped++ === 0) {
        await route.fetch()
        return route.abort('connectionreset')
      }
      return route.continue()
    })
    await flaky.page.goto(r.url)
    const b = doorButton(flaky.page, 'Flaky door')
    await b.tap()
    await waitOpen(b)
    await sleep(1000)
    const sent = unlockRequests(flaky.requests)
    assert.equal(sent.length, 2, 'the page retried once')
    const [k1, k2] = await Promise.all(sent.map(async (s) => (await s.request.allHeaders())['idempotency-key']))
    assert.ok(k1 && k1 === k2, `retry reuses the key (${k1} / ${k2})`)
    assert.equal((await fx.unlockEvents(r.ids[0])).length, 1, 'lost answer + retry = one unlock')
    assert.equal((await fx.getLink(r.id)).unlock_count, 1)
    await flaky.page.close()
  })

  test('expired, scheduled, revoked, used-up and unknown links show their pages', T, async () => {
    // Expired: open while active, let it run out, tap, then reload.
    const endsAt = Date.now() + 5000
    const ex = await fx.link({ doors: ['Side gate'], issuer: 'Lena Vogel', endsAt: new Date(endsAt).toISOString() })
    const p1 = await openPage(browser.context)
    await p1.page.goto(ex.url)
    const gate = doorButton(p1.page, 'Side gate')
    await gate.waitFor()
    await sleep(Math.max(0, endsAt - Date.now()) + 700)
    await gate.tap()
    const msg = await waitError(gate)
    assert.match(msg, /expired/i)
    assert.ok(msg.includes('Lena Vogel'), msg)
    await p1.page.reload()
    await waitHeading(p1.page, 'Link expired')
    assert.match(await p1.page.locator('.notice').innerText(), /expired\. Ask Lena Vogel for a new one\./)
    assert.equal(await p1.page.locator('button').count(), 0)
    await screenshot(p1.page, 'expired')
    assert.equal((await fx.unlockEvents(ex.ids[0])).length, 0)
    assert.equal((await fx.getLink(ex.id)).state, 'expired')

    // Scheduled: starts in two hours; doors are shown but cannot be tapped.
    const sc = await fx.link({
      doors: ['Holiday flat'],
      issuer: 'Tom Richter',
      description: 'See you on Saturday!',
      startsAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
      endsAt: new Date(Date.now() + 50 * 3600_000).toISOString(),
    })
    const p2 = await openPage(browser.context)
    await p2.page.goto(sc.url)
    await waitHeading(p2.page, 'Not valid yet')
    const scText = await p2.page.locator('#app').innerText()
    assert.ok(scText.includes('Shared by Tom Richter'), scText)
    assert.match(scText, /This link works from .+ until .+\./)
    const flat = doorButton(p2.page, 'Holiday flat')
    assert.ok(await flat.isDisabled())
    assert.equal(await stateOf(flat), 'Not available yet')
    await flat.click({ force: true })
    await flat.tap({ force: true })
    await screenshot(p2.page, 'scheduled')
    await sleep(500)
    assert.deepEqual(nonGet(p2.requests).map((r) => r.path), ['/g/api/view'])
    assert.equal((await fx.unlockEvents(sc.ids[0])).length, 0)

    // Revoked while the page is open: the tap is refused, a reload shows the revoked page.
    const rv = await fx.link({ doors: ['Cellar'], issuer: 'Nina Schulz' })
    const p3 = await openPage(browser.context)
    await p3.page.goto(rv.url)
    const cellar = doorButton(p3.page, 'Cellar')
    await cellar.waitFor()
    await fx.revoke(rv.id)
    await cellar.tap()
    const rmsg = await waitError(cellar)
    assert.match(rmsg, /revoked/i)
    assert.ok(rmsg.includes('Nina Schulz'), rmsg)
    await p3.page.reload()
    await waitHeading(p3.page, 'Link revoked')
    assert.match(await p3.page.locator('.notice').innerText(), /revoked\. Ask Nina Schulz if you still need access\./)
    assert.equal(await p3.page.locator('button').count(), 0)
    await screenshot(p3.page, 'revoked')
    assert.equal((await fx.unlockEvents(rv.ids[0])).length, 0)

    // Used up: one unlock allowed.
    const uu = await fx.link({ doors: ['Parcel room'], issuer: 'Ole Hansen', maxUnlockCount: 1 })
    const p4 = await openPage(browser.context)
    await p4.page.goto(uu.url)
    const parcel = doorButton(p4.page, 'Parcel room')
    await parcel.waitFor()
    assert.match(await p4.page.locator('#app').innerText(), /1 use left/)
    await parcel.tap()
    await waitOpen(parcel)
    await p4.page.reload()
    await waitHeading(p4.page, 'Link used up')
    assert.ok((await p4.page.locator('.notice').innerText()).includes('Ole Hansen'))
    await screenshot(p4.page, 'used-up')
    assert.equal((await fx.unlockEvents(uu.ids[0])).length, 1)

    // Unknown token, and no token at all.
    const p5 = await openPage(browser.context)
    await p5.page.goto(`${server.url}/g#${randomAlnum(43)}`)
    await waitHeading(p5.page, 'Link not valid')
    assert.match(await p5.page.locator('.notice').innerText(), /not valid/)
    await screenshot(p5.page, 'not-valid')
    for (const url of [`${server.url}/g`, `${server.url}/g#`, `${server.url}/g#abc`]) {
      const p6 = await openPage(browser.context)
      await p6.page.goto(url)
      await waitHeading(p6.page, 'Link incomplete')
      await sleep(200)
      assert.deepEqual(nonGet(p6.requests), [], `${url}: no request without a token`)
      await p6.page.close()
    }
    for (const p of [p1, p2, p3, p4, p5]) {
      assert.deepEqual(p.errors, [])
      await p.page.close()
    }
  })

  test('HTML and script in the description, issuer and door names render as text', T, async () => {
    const description =
      '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>' +
      '<b>bold?</b> <a href="javascript:window.__xss=3">link</a> & "quotes" \'single\' </p><style>*{display:none}</style>'
    const issuer = '<img src=y onerror="window.__xss=4">Eve'
    const doorName = '<svg onload="window.__xss=5"></svg>Door & <i>co</i>'
    const l = await fx.link({ doors: [doorName], issuer, description })
    const { page, requests, errors } = await openPage(browser.context)
    await page.goto(l.url)
    await page.locator('button.door').waitFor()
    await sleep(500)

    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined')
    assert.equal(await page.locator('#app img, #app script, #app svg, #app a, #app b, #app i, #app style').count(), 0)
    assert.equal(await page.locator('.desc').textContent(), description)
    assert.ok(await page.getByText(description, { exact: true }).isVisible(), 'description shown as text')
    assert.ok(await page.getByText(`Shared by ${issuer}`, { exact: true }).isVisible(), 'issuer shown as text')
    const b = page.locator('button.door')
    assert.equal((await b.innerText()).split('\n')[0], doorName)
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations (nothing tried to run or load)')
    assert.deepEqual(
      summarize(requests).map((r) => `${r.method} ${r.path}`).sort(),
      ['GET /g', 'GET /g/app.css', 'GET /g/app.js', 'POST /g/api/view'],
      'nothing from the description was loaded',
    )
    await b.tap()
    await waitOpen(b)
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined')
    assert.deepEqual(errors, [])
    await page.close()
  })

  test('requests stay same-origin, the token never leaves the fragment, headers harden /g', T, async () => {
    const l = await fx.link({ doors: ['Studio'], issuer: 'Sam Ito' })
    const { page, requests, responses, errors } = await openPage(browser.context)
    const nav = await page.goto(l.url)
    const b = doorButton(page, 'Studio')
    await b.tap()
    await waitOpen(b)
    await sleep(300)

    // Response headers of the page itself.
    const h = nav.headers()
    assert.equal(nav.status(), 200)
    assert.equal(h['cache-control'], 'no-store')
    assert.equal(h['referrer-policy'], 'no-referrer')
    assert.match(h['x-robots-tag'] ?? '', /noindex/)
    const csp = h['content-security-policy'] ?? ''
    assert.match(csp, /frame-ancestors 'none'/)
    assert.match(csp, /script-src 'self'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    // ... and of everything else the page loaded or called.
    assert.equal(responses.length, 5)
    for (const r of responses) {
      const rh = r.headers()
      assert.equal(rh['cache-control'], 'no-store', r.url())
      assert.equal(rh['referrer-policy'], 'no-referrer', r.url())
      assert.match(rh['content-security-policy'] ?? '', /frame-ancestors 'none'/, r.url())
    }

    const all = summarize(requests)
    assert.deepEqual(
      all.map((r) => `${r.method} ${r.path}`).sort(),
      ['GET /g', 'GET /g/app.css', 'GET /g/app.js', 'POST /g/api/unlock', 'POST /g/api/view'],
    )
    for (const r of all) {
      assert.equal(r.origin, server.origin, `cross-origin request ${r.url}`)
      assert.ok(!r.url.includes(l.token), `token in URL ${r.url}`)
      assert.ok(!r.url.includes('#'), `fragment sent in ${r.url}`)
      const headers = await r.request.allHeaders()
      assert.equal(headers.referer, undefined, `Referer sent with ${r.url}: ${headers.referer}`)
      for (const [k, v] of Object.entries(headers)) assert.ok(!v.includes(l.token), `token in header ${k} of ${r.url}`)
      if (r.method === 'POST') {
        // The token travels only in the JSON body of the page's own API calls.
        assert.ok(r.path.startsWith('/g/api/'), r.path)
        assert.equal(r.body.token, l.token)
        assert.equal(headers['content-type'], 'application/json')
      }
    }
    assert.equal(await page.evaluate(() => document.referrer), '')
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'the page tried something its CSP blocks')
    assert.deepEqual(errors, [])
    await page.close()

    // Another site cannot frame the page (frame-ancestors 'none', X-Frame-Options DENY), so the
    // framed page never runs and never reads the link.
    const framed = await openPage(browser.context)
    await framed.page.goto('data:text/html,<!doctype html><title>evil</title>')
    await framed.page.evaluate((src) => {
      const f = document.createElement('iframe')
      f.src = src
      document.body.appendChild(f)
    }, l.url)
    await sleep(1500)
    const child = framed.page.frames().find((f) => f !== framed.page.mainFrame())
    assert.ok(child, 'iframe exists')
    assert.equal(await child.locator('button.door').count(), 0, 'framed page rendered doors')
    assert.deepEqual(nonGet(framed.requests), [], 'framed page called the API')
    await framed.page.close()
  })

  test('phone layout: big full-width doors; Tab + Enter and Space open them', T, async () => {
    const long = 'Underground car park gate, level −2 (entrance from Schillerstraße)'
    const l = await fx.link({
      doors: ['Front door', long, 'Courtyard'],
      issuer: 'Kim Nowak',
      description: 'A description that is long enough to wrap over a few lines on a phone. '.repeat(3).trim(),
    })
    const { page, errors } = await openPage(browser.context)
    await page.goto(l.url)
    const doors = page.locator('button.door')
    await doors.first().waitFor()

    const vp = await page.evaluate(() => ({
      innerWidth: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
    }))
    assert.equal(vp.innerWidth, PHONE.width, 'mobile viewport (meta viewport present)')
    assert.ok(vp.scrollWidth <= PHONE.width, `no sideways scrolling (scrollWidth ${vp.scrollWidth})`)
    for (let i = 0; i < 3; i++) {
      const box = await doors.nth(i).boundingBox()
      assert.ok(box.height >= 44, `door ${i} is ${box.height}px tall`)
      assert.ok(box.width >= PHONE.width - 40, `door ${i} is ${box.width}px wide`)
      assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `door ${i} fits the screen`)
      const fontSize = await doors.nth(i).evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
      assert.ok(fontSize >= 16, `door ${i} font ${fontSize}px`)
    }

    // Keyboard: the first Tab lands on the first door, with a visible focus ring; Enter opens it.
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement
      return {
        isFirstDoor: el === document.querySelector('button.door'),
        outline: getComputedStyle(el).outlineStyle,
        outlineWidth: parseFloat(getComputedStyle(el).outlineWidth),
      }
    })
    assert.ok(focused.isFirstDoor, 'Tab focuses the first door')
    assert.ok(focused.outline !== 'none' && focused.outlineWidth >= 2, `focus ring: ${JSON.stringify(focused)}`)
    await page.keyboard.press('Enter')
    await waitOpen(doors.nth(0))
    // An open door ignores taps but keeps the keyboard focus (aria-disabled, not disabled).
    assert.ok(await doors.nth(0).evaluate((el) => el === document.activeElement), 'focus stays on the opened door')
    assert.equal(await doors.nth(0).getAttribute('aria-disabled'), 'true')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Space')
    // Space on the second door, from a fresh load.
    await page.reload()
    await doors.first().waitFor()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    assert.ok(await doors.nth(1).evaluate((el) => el === document.activeElement), 'second Tab focuses the second door')
    await page.keyboard.press('Space')
    await waitOpen(doors.nth(1))
    await sleep(800)
    assert.equal((await fx.unlockEvents(l.ids[0])).length, 1)
    assert.equal((await fx.unlockEvents(l.ids[1])).length, 1)
    assert.equal((await fx.unlockEvents(l.ids[2])).length, 0)
    assert.deepEqual(errors, [])
    await page.close()
  })

  test('screenshots of the main states were saved, phone-sized and small', T, async (t) => {
    const dir = screenshotDir()
    assert.deepEqual([...screenshotsTaken].sort(), [...SHOTS].sort(), 'screenshots taken in this run')
    for (const name of SHOTS) {
      const file = `${dir}/guest-${name}.png`
      const png = readFileSync(file)
      assert.equal(png.subarray(1, 4).toString(), 'PNG', file)
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [PHONE.width, PHONE.height], file)
      const size = statSync(file).size
      assert.ok(size < 150_000, `${file} is ${size} bytes`)
      t.diagnostic(`${file} ${size} bytes`)
    }
  })

  test('page weight (HTML + JS + CSS) is under 20 KB', T, async (t) => {
    let total = 0
    const parts = []
    for (const path of PAGE_PATHS) {
      const res = await fetch(server.url + path, { headers: { 'accept-encoding': 'identity' } })
      assert.equal(res.status, 200, path)
      const bytes = (await res.arrayBuffer()).byteLength
      parts.push(`${path} ${bytes} B`)
      total += bytes
    }
    t.diagnostic(`page weight: ${parts.join(', ')}; total ${total} B`)
    assert.ok(total < 20 * 1024, `page weight ${total} bytes`)
  })
})
