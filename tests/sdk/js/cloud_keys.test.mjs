// Seam JS SDK compatibility suite for ajar-server, run with `node --test`.
//
// Drives two generations of the official `@seamapi/http` client, unchanged, against a real
// ajar-server started once for this file (127.0.0.1, random port, fresh data directory):
//   - @seamapi/http 2.32.0: GET/DELETE + query string for reads/deletes, PATCH for updates;
//   - @seamapi/http 2.2.0 (npm alias `seamapi-http-legacy`): POST + JSON for nearly everything.
//
// Ajar's admin routes (/acs/systems/create, /acs/entrances/create|update) have no SDK method;
// sites and doors are created with fetch before the SDK is driven.
//
// Environment: AJAR_SERVER_BIN overrides the server binary
// (default <repo>/target/debug/ajar-server, built with cargo when missing).

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import * as current from '@seamapi/http'
import * as legacy from 'seamapi-http-legacy'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '..', '..', '..')
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

const randomAlnum = (n) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('')
}
const iso = (ms) => new Date(ms).toISOString()
const tag = () => randomUUID().slice(0, 8)

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

async function startServer() {
  const base = mkdtempSync(join(tmpdir(), 'ajar-sdk-js-'))
  const dataDir = join(base, 'data')
  const logPath = join(base, 'server.log')
  const apiKey = `seam_testkey_${randomAlnum(32)}`
  const env = { ...process.env, AJAR_BOOTSTRAP_API_KEY: apiKey, NO_COLOR: '1' }
  delete env.AJAR_LISTEN
  delete env.AJAR_DATA_DIR
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
  // Never leave the server behind if this process dies without running after().
  const killOnExit = () => proc.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
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
  return { url, apiKey, stop, logPath }
}

// Plain HTTP (fetch) for admin routes and raw JSON.
function rawClient(url, token) {
  return async function raw(path, body, { method = 'POST', query, bearer } = {}) {
    let target = url + path
    if (query) {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) {
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item))
      }
      target += `?${qs}`
    }
    const res = await fetch(target, {
      method,
      headers: { authorization: `Bearer ${bearer ?? token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
}

async function ok(raw, path, body, opts) {
  const r = await raw(path, body, opts)
  assert.equal(r.status, 200, `${path} -> ${r.status} ${JSON.stringify(r.body)}`)
  assert.equal(r.body.ok, true)
  return r.body
}

// Records "METHOD /path" of every request an SDK client sends (axios interceptor).
function recordRequests(seam) {
  const log = []
  seam.client.interceptors.request.use((config) => {
    log.push(`${config.method.toUpperCase()} ${config.url}`)
    return config
  })
  return log
}

let server
let raw

before(async () => {
  server = await startServer()
  raw = rawClient(server.url, server.apiKey)
})

after(async () => {
  await server?.stop()
})

// ---------------------------------------------------------------------------------------
// the same suite for both SDK generations
// ---------------------------------------------------------------------------------------

const generations = [
  { label: '@seamapi/http 2.32.0', sdk: current, version: '2.32.0', pkg: '@seamapi/http', readStyle: 'GET',
    crudRequests: ['GET /user_identities/list', 'PATCH /user_identities/update', 'GET /access_grants/get', 'DELETE /access_grants/delete', 'DELETE /access_methods/delete', 'GET /action_attempts/get'] },
  { label: '@seamapi/http 2.2.0 (legacy, POST style)', sdk: legacy, version: '2.2.0', pkg: 'seamapi-http-legacy', readStyle: 'POST',
    crudRequests: ['POST /user_identities/list', 'PATCH /user_identities/update', 'GET /access_grants/get', 'POST /access_grants/delete', 'DELETE /access_methods/delete', 'POST /action_attempts/get'] },
]

for (const gen of generations) {
  const { SeamHttp } = gen.sdk

  describe(gen.label, () => {
    let seam
    let site

    const newUser = (name) => seam.userIdentities.create({ full_name: `${name} ${tag()}` })
    const cloudKeyGrant = (userIdentityId, entranceIds, extra = {}) =>
      seam.accessGrants.create({
        user_identity_id: userIdentityId,
        acs_entrance_ids: entranceIds,
        requested_access_methods: [{ mode: 'cloud_key' }],
        ...extra,
      })

    before(async () => {
      seam = new SeamHttp({ apiKey: server.apiKey, endpoint: server.url })
      const { acs_system } = await ok(raw, '/acs/systems/create', { name: `JS ${gen.version} HQ`, time_zone: 'America/New_York' })
      const door = async (display_name, can_unlock_with_cloud_key) =>
        (
          await ok(raw, '/acs/entrances/create', {
            acs_system_id: acs_system.acs_system_id,
            display_name,
            can_unlock_with_cloud_key,
            relock_pulse_ms: 1000,
          })
        ).acs_entrance
      site = {
        acs_system_id: acs_system.acs_system_id,
        main: await door('Main Entrance', true),
        side: await door('Side Door', true),
        serverRoom: await door('Server Room', false),
      }
    })

    test('installed SDK version is the pinned one', () => {
      const pkg = JSON.parse(readFileSync(join(here, 'node_modules', gen.pkg, 'package.json'), 'utf8'))
      assert.equal(pkg.name, '@seamapi/http')
      assert.equal(pkg.version, gen.version)
    })

    test('Using Cloud Keys guide, steps 1-4, with the unlock attributed to the user', async () => {
      const client = SeamHttp.fromApiKey(server.apiKey, { endpoint: server.url })
      const requests = recordRequests(client)
      const user = await newUser('Guide User')
      const since = iso(Date.now() - 5000)

      // Step 1: verify entrance support.
      const entrances = await client.acs.entrances.list({ acs_system_id: site.acs_system_id })
      assert.deepEqual(
        new Set(entrances.map((e) => e.acs_entrance_id)),
        new Set([site.main.acs_entrance_id, site.side.acs_entrance_id, site.serverRoom.acs_entrance_id]),
      )
      const cloudKeyEntrances = entrances.filter((e) => e.can_unlock_with_cloud_key)
      assert.deepEqual(
        new Set(cloudKeyEntrances.map((e) => e.acs_entrance_id)),
        new Set([site.main.acs_entrance_id, site.side.acs_entrance_id]),
      )
      assert.equal(entrances.find((e) => e.acs_entrance_id === site.serverRoom.acs_entrance_id).can_unlock_with_cloud_key, false)

      // Step 2: create an access grant with a cloud key.
      const accessGrant = await client.accessGrants.create({
        user_identity_id: user.user_identity_id,
        acs_entrance_ids: cloudKeyEntrances.map((e) => e.acs_entrance_id),
        requested_access_methods: [{ mode: 'cloud_key' }],
      })
      assert.equal(accessGrant.user_identity_id, user.user_identity_id)
      assert.equal(accessGrant.access_method_ids.length, 1)
      assert.deepEqual(accessGrant.requested_access_methods.map((m) => m.mode), ['cloud_key'])
      const accessMethod = await client.accessMethods.get({ access_method_id: accessGrant.access_method_ids[0] })
      assert.equal(accessMethod.mode, 'cloud_key')

      // Step 3: see which doors the access method covers.
      const related = await client.accessMethods.getRelated({ access_method_ids: [accessMethod.access_method_id] })
      assert.deepEqual(
        new Set(related.acs_entrances.map((e) => e.acs_entrance_id)),
        new Set(cloudKeyEntrances.map((e) => e.acs_entrance_id)),
      )

      // Step 4: unlock the entrance.
      const actionAttempt = await client.accessMethods.unlockDoor({
        access_method_id: accessMethod.access_method_id,
        acs_entrance_id: site.main.acs_entrance_id,
      })
      assert.equal(actionAttempt.action_type, 'UNLOCK_DOOR')
      assert.equal(actionAttempt.status, 'success')
      assert.equal(actionAttempt.error, null)
      assert.equal(actionAttempt.result.was_confirmed_by_device, true)

      // Attribution in the audit trail (the JS SDK passes JSON through untouched).
      const events = await client.events.list({
        user_identity_id: user.user_identity_id,
        event_types: ['lock.unlocked', 'action_attempt.unlock_door.succeeded'],
        since,
      })
      const mine = events.filter((e) => e.action_attempt_id === actionAttempt.action_attempt_id)
      const unlocked = mine.find((e) => e.event_type === 'lock.unlocked')
      assert.ok(unlocked, `no lock.unlocked in ${JSON.stringify(events)}`)
      assert.equal(unlocked.user_identity_id, user.user_identity_id)
      assert.equal(unlocked.acs_entrance_id, site.main.acs_entrance_id)
      assert.equal(unlocked.method, 'remote')
      assert.ok(mine.some((e) => e.event_type === 'action_attempt.unlock_door.succeeded' && e.status === 'success'))
      const fetched = await client.events.get({ event_id: unlocked.event_id })
      assert.equal(fetched.event_type, 'lock.unlocked')

      // This generation really used its own request style.
      assert.ok(requests.includes(`${gen.readStyle} /acs/entrances/list`), requests.join(', '))
      assert.ok(requests.includes(`${gen.readStyle} /access_methods/get_related`), requests.join(', '))
      assert.ok(requests.includes('POST /access_methods/unlock_door'), requests.join(', '))
    })

    test('CRUD: user identities, access grants, access methods, action attempts, systems', async () => {
      const requests = recordRequests(seam)
      const user = await seam.userIdentities.create({ full_name: `Crud ${tag()}`, email_address: 'crud@example.com' })
      assert.equal((await seam.userIdentities.get({ user_identity_id: user.user_identity_id })).email_address, 'crud@example.com')
      await seam.userIdentities.update({ user_identity_id: user.user_identity_id, full_name: 'Crud Renamed' })
      assert.equal((await seam.userIdentities.get({ user_identity_id: user.user_identity_id })).full_name, 'Crud Renamed')
      const listed = await seam.userIdentities.list({ user_identity_ids: [user.user_identity_id] })
      assert.deepEqual(listed.map((u) => u.user_identity_id), [user.user_identity_id])

      const grant = await cloudKeyGrant(user.user_identity_id, [site.main.acs_entrance_id], { name: 'first' })
      await seam.accessGrants.update({ access_grant_id: grant.access_grant_id, name: 'second' })
      assert.equal((await seam.accessGrants.get({ access_grant_id: grant.access_grant_id })).name, 'second')
      assert.deepEqual(
        (await seam.accessGrants.list({ user_identity_id: user.user_identity_id })).map((g) => g.access_grant_id),
        [grant.access_grant_id],
      )
      const methods = await seam.accessMethods.list({ access_grant_id: grant.access_grant_id })
      assert.deepEqual(methods.map((m) => m.access_method_id), grant.access_method_ids)

      const attempt = await seam.accessMethods.unlockDoor({
        access_method_id: grant.access_method_ids[0],
        acs_entrance_id: site.main.acs_entrance_id,
      })
      const got = await seam.actionAttempts.get({ action_attempt_id: attempt.action_attempt_id })
      assert.equal(got.status, 'success')
      const attempts = await seam.actionAttempts.list({ action_attempt_ids: [attempt.action_attempt_id] })
      assert.deepEqual(attempts.map((a) => a.action_attempt_id), [attempt.action_attempt_id])

      const systems = await seam.acs.systems.list()
      assert.ok(systems.some((s) => s.acs_system_id === site.acs_system_id))
      assert.equal((await seam.acs.systems.get({ acs_system_id: site.acs_system_id })).location.time_zone, 'America/New_York')
      assert.equal((await seam.acs.entrances.get({ acs_entrance_id: site.side.acs_entrance_id })).display_name, 'Side Door')

      await seam.accessMethods.delete({ access_method_id: grant.access_method_ids[0] })
      assert.deepEqual(await seam.accessMethods.list({ access_grant_id: grant.access_grant_id }), [])
      await seam.accessGrants.delete({ access_grant_id: grant.access_grant_id })
      await seam.userIdentities.delete({ user_identity_id: user.user_identity_id })
      await assert.rejects(seam.userIdentities.get({ user_identity_id: user.user_identity_id }), (e) => {
        assert.ok(e instanceof gen.sdk.SeamHttpApiError)
        assert.equal(e.code, 'user_identity_not_found')
        assert.equal(e.statusCode, 404)
        return true
      })

      // Each generation really used its own mix of HTTP methods.
      for (const line of gen.crudRequests) assert.ok(requests.includes(line), `${line} not in: ${requests.join(', ')}`)
    })

    test('errors map to the SDK error classes', async () => {
      await assert.rejects(seam.userIdentities.get({ user_identity_id: 'not-a-uuid' }), (e) => {
        assert.ok(e instanceof gen.sdk.SeamHttpInvalidInputError, `${e.name}: ${e.message}`)
        assert.equal(e.code, 'invalid_input')
        assert.equal(e.statusCode, 400)
        assert.ok(e.getValidationErrorMessages('user_identity_id').length > 0)
        return true
      })
      for (const [call, code] of [
        [() => seam.accessGrants.get({ access_grant_id: UNKNOWN_ID }), 'access_grant_not_found'],
        [() => seam.accessMethods.get({ access_method_id: UNKNOWN_ID }), 'access_method_not_found'],
        [() => seam.actionAttempts.get({ action_attempt_id: UNKNOWN_ID }), 'action_attempt_not_found'],
        [() => seam.acs.entrances.get({ acs_entrance_id: UNKNOWN_ID }), 'acs_entrance_not_found'],
        [() => seam.userIdentities.delete({ user_identity_id: UNKNOWN_ID }), 'user_identity_not_found'],
      ]) {
        await assert.rejects(call(), (e) => {
          assert.ok(e instanceof gen.sdk.SeamHttpApiError, `${e.name}: ${e.message}`)
          assert.ok(!(e instanceof gen.sdk.SeamHttpInvalidInputError))
          assert.equal(e.code, code)
          assert.equal(e.statusCode, 404)
          return true
        })
      }
      const bad = new SeamHttp({ apiKey: `seam_wrong_${randomAlnum(24)}`, endpoint: server.url })
      await assert.rejects(bad.acs.systems.list(), (e) => {
        assert.ok(e instanceof gen.sdk.SeamHttpUnauthorizedError, `${e.name}: ${e.message}`)
        assert.equal(e.statusCode, 401)
        return true
      })
    })

    test('refused unlocks raise SeamActionAttemptFailedError with the reason', async () => {
      const user = await newUser('Refused')
      const grant = await cloudKeyGrant(user.user_identity_id, [site.main.acs_entrance_id, site.serverRoom.acs_entrance_id], {
        starts_at: iso(Date.now() - 2 * 3600_000),
      })
      const mid = grant.access_method_ids[0]
      const expectFailure = (entranceId, code) =>
        assert.rejects(seam.accessMethods.unlockDoor({ access_method_id: mid, acs_entrance_id: entranceId }), (e) => {
          assert.ok(e instanceof gen.sdk.SeamActionAttemptFailedError, `${e.name}: ${e.message}`)
          assert.ok(gen.sdk.isSeamActionAttemptFailedError(e))
          assert.equal(e.code, code)
          assert.equal(e.actionAttempt.status, 'error')
          assert.equal(e.actionAttempt.error.type, code)
          return true
        })

      await expectFailure(site.serverRoom.acs_entrance_id, 'entrance_not_cloud_key_enabled')
      await expectFailure(site.side.acs_entrance_id, 'entrance_not_in_access_grant')

      await ok(raw, '/acs/entrances/update', { acs_entrance_id: site.main.acs_entrance_id, is_in_lockdown: true })
      try {
        await expectFailure(site.main.acs_entrance_id, 'entrance_in_lockdown')
      } finally {
        await ok(raw, '/acs/entrances/update', { acs_entrance_id: site.main.acs_entrance_id, is_in_lockdown: false })
      }
      const okAttempt = await seam.accessMethods.unlockDoor({ access_method_id: mid, acs_entrance_id: site.main.acs_entrance_id })
      assert.equal(okAttempt.status, 'success')

      await seam.accessGrants.update({ access_grant_id: grant.access_grant_id, ends_at: iso(Date.now() - 60_000) })
      await expectFailure(site.main.acs_entrance_id, 'access_ended')

      await seam.accessMethods.delete({ access_method_id: mid })
      await expectFailure(site.main.acs_entrance_id, 'access_method_revoked')

      const failed = await seam.events.list({ user_identity_id: user.user_identity_id, event_type: 'action_attempt.unlock_door.failed' })
      assert.equal(failed.length, 5)
    })

    test('pagination: manual pages and the SDK paginator', async () => {
      const prefix = `Pager${tag()}`
      const ids = []
      for (let i = 0; i < 5; i++) ids.push((await seam.userIdentities.create({ full_name: `${prefix} ${i}` })).user_identity_id)

      const paginator = seam.createPaginator(seam.userIdentities.list({ search: prefix, limit: 2 }))
      const [first, pagination] = await paginator.firstPage()
      assert.equal(first.length, 2)
      assert.equal(pagination.hasNextPage, true)
      assert.ok(pagination.nextPageCursor)
      assert.match(pagination.nextPageUrl, /^http/)
      const seen = [...first]
      let page = pagination
      let pages = 1
      while (page.hasNextPage) {
        const [items, next] = await paginator.nextPage(page.nextPageCursor)
        seen.push(...items)
        page = next
        pages++
        assert.ok(pages < 10)
      }
      assert.equal(pages, 3)
      assert.equal(page.nextPageCursor, null)
      assert.deepEqual(seen.map((u) => u.user_identity_id).sort(), [...ids].sort())

      const all = await seam.createPaginator(seam.userIdentities.list({ search: prefix, limit: 3 })).flattenToArray()
      assert.deepEqual(all.map((u) => u.user_identity_id).sort(), [...ids].sort())

      const doors = await seam.createPaginator(seam.acs.entrances.list({ acs_system_id: site.acs_system_id, limit: 1 })).flattenToArray()
      assert.equal(doors.length, 3)
    })

    test('client session: clientSessions.create through the SDK', async () => {
      const user = await newUser('Session SDK')
      const session = await seam.clientSessions.create({ user_identity_id: user.user_identity_id })
      assert.match(session.token, /^seam_cst/)
      assert.equal(session.user_identity_id, user.user_identity_id)
    })

    test('client session: fromClientSessionToken acts for that user only, until revoked', async () => {
      const member = await newUser('Session Member')
      const other = await newUser('Session Other')
      const mine = await cloudKeyGrant(member.user_identity_id, [site.main.acs_entrance_id])
      const theirs = await cloudKeyGrant(other.user_identity_id, [site.side.acs_entrance_id])
      // Minted with a plain POST so this test does not depend on the SDK's PUT create.
      const { client_session: cs } = await ok(raw, '/client_sessions/create', { user_identity_id: member.user_identity_id })
      assert.match(cs.token, /^seam_cst/)

      const got = await seam.clientSessions.get({ client_session_id: cs.client_session_id })
      assert.equal(got.user_identity_id, member.user_identity_id)
      const listed = await seam.clientSessions.list({ user_identity_id: member.user_identity_id })
      assert.deepEqual(listed.map((s) => s.client_session_id), [cs.client_session_id])

      assert.equal(typeof SeamHttp.fromClientSessionToken, 'function')
      const asMember = SeamHttp.fromClientSessionToken(cs.token, { endpoint: server.url })
      const doors = await asMember.acs.entrances.list()
      assert.deepEqual(doors.map((d) => d.acs_entrance_id), [site.main.acs_entrance_id])
      const grants = await asMember.accessGrants.list()
      assert.deepEqual(grants.map((g) => g.access_grant_id), [mine.access_grant_id])
      const attempt = await asMember.accessMethods.unlockDoor({
        access_method_id: mine.access_method_ids[0],
        acs_entrance_id: site.main.acs_entrance_id,
      })
      assert.equal(attempt.status, 'success')
      await assert.rejects(
        asMember.accessMethods.unlockDoor({ access_method_id: theirs.access_method_ids[0], acs_entrance_id: site.side.acs_entrance_id }),
        (e) => e instanceof gen.sdk.SeamHttpApiError && e.code === 'access_method_not_found' && e.statusCode === 404,
      )

      const events = await seam.events.list({ user_identity_id: member.user_identity_id, event_type: 'lock.unlocked' })
      assert.deepEqual(events.map((e) => e.action_attempt_id), [attempt.action_attempt_id])

      await seam.clientSessions.revoke({ client_session_id: cs.client_session_id })
      await assert.rejects(asMember.acs.entrances.list(), (e) => e instanceof gen.sdk.SeamHttpUnauthorizedError)
    })

    test('getOpenapiSchema() reads /openapi.json', async () => {
      const spec = await gen.sdk.getOpenapiSchema(server.url)
      assert.equal(typeof spec, 'object')
      assert.match(spec.openapi, /^3\./)
      assert.ok(spec.paths['/access_methods/unlock_door'])
      assert.ok(spec.paths['/acs/entrances/list'])
    })
  })
}
