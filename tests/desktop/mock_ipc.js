// A stand-in for the Tauri IPC at its boundary (window.__TAURI__.core.invoke), injected before
// ui/app.js runs. It answers each command of app/src/commands.rs with data shaped like the Rust
// structs, records every call in window.__calls, and rejects with {kind, message} like UiError.
// window.__mockConfig (set by the test before load) picks the starting state.
(() => {
  const cfg = window.__mockConfig || {}
  const calls = (window.__calls = [])
  const now = Date.now()
  const iso = (ms) => new Date(ms).toISOString()
  const SITE_A = '0190a000-0000-7000-8000-00000000000a'
  const SITE_B = '0190a000-0000-7000-8000-00000000000b'
  const door = (n, name, site, siteName, extra) => ({
    acs_entrance_id: `0190b000-0000-7000-8000-00000000000${n}`, name, site_id: site, site_name: siteName,
    time_zone: siteName === 'HQ' ? 'Europe/Berlin' : 'America/New_York', can_unlock_with_cloud_key: true,
    is_in_lockdown: false, is_locked: true, access_method_id: `0190c000-0000-7000-8000-00000000000${n}`,
    access_starts_at: iso(now - 86400000), access_ends_at: null, is_online: true, unlocked_until: null, ...extra,
  })
  const state = {
    profiles: cfg.signedIn ? [{ name: 'work', server: 'http://127.0.0.1:8080', label: 'Fran Desk (front_desk)' }] : [],
    current: cfg.signedIn ? 'work' : null,
    doors: [
      door(1, 'Main Entrance', SITE_A, 'HQ'),
      door(2, 'Side Door', SITE_A, 'HQ', { unlocked_until: iso(now + 65000), is_locked: false }),
      door(3, 'Server Room', SITE_A, 'HQ', { is_in_lockdown: true }),
      door(4, 'Loading Dock', SITE_B, 'Warehouse', { is_online: false }),
      door(5, 'Warehouse Gate', SITE_B, 'Warehouse'),
    ],
    links: [],
    slack: false,
    events: [],
    pollQueue: [],
  }
  // The control center's data, shaped like ajar-protocol's Person, CloudKey, AcsSystem, AcsEntrance,
  // ApiKey and ClientSession. cfg.role is what my_role answers (default front_desk, like Fran).
  const role = cfg.role || 'front_desk'
  const site = (id, name, zone) => ({ acs_system_id: id, workspace_id: SITE_A, connected_account_id: SITE_A, connected_account_ids: [], created_at: iso(now), name, image_url: '', image_alt_text: '', is_credential_manager: false, location: { time_zone: zone }, errors: [], warnings: [] })
  const entrance = (d) => ({
    acs_entrance_id: d.acs_entrance_id, acs_system_id: d.site_id, connected_account_id: SITE_A, created_at: iso(now), display_name: d.name, space_ids: [], errors: [], warnings: [],
    can_unlock_with_cloud_key: true, is_locked: true,
    ajar_metadata: { is_in_lockdown: d.is_in_lockdown, relock_pulse_ms: 5000, driver: d.is_online ? 'simulated' : 'agent', is_online: d.is_online, time_zone: d.time_zone },
  })
  const user = (n, name, email, role, remote = true) => ({
    user_identity_id: `0190f100-0000-7000-8000-00000000000${n}`, workspace_id: SITE_A, created_at: iso(now), display_name: name, user_identity_key: null,
    email_address: email, phone_number: null, full_name: name, acs_user_ids: [], errors: [], warnings: [], role, remote_unlock_enabled: remote,
  })
  const cloudKey = (n, u, name, doors, extra) => ({
    access_method_id: `0190f200-0000-7000-8000-00000000000${n}`, access_grant_id: `0190f300-0000-7000-8000-00000000000${n}`, user_identity_id: u.user_identity_id, workspace_id: SITE_A,
    name, acs_entrance_ids: doors, acs_system_ids: [SITE_A], whole_acs_system_ids: [], starts_at: iso(now - 86400000), ends_at: null, time_zone: 'Europe/Berlin',
    starts_at_local: '2026-11-22T09:00:00+01:00', ends_at_local: null, state: 'active', created_at: iso(now - 86400000), revoked_at: null, ...extra,
  })
  const fran = user(1, 'Fran Desk', 'fran@example.test', 'front_desk')
  const maya = user(2, 'Maya Member', 'maya@example.test', 'member')
  const d = (i) => `0190b000-0000-7000-8000-00000000000${i}`
  state.role = role
  state.sites = [site(SITE_A, 'HQ', 'Europe/Berlin'), site(SITE_B, 'Warehouse', 'America/New_York')]
  state.people = [
    { user_identity: fran, acs_system_ids: [SITE_A, SITE_B], cloud_keys: [cloudKey(1, fran, 'Desk key', [d(1), d(2), d(3)]), cloudKey(2, fran, 'Warehouse', [d(4), d(5)], { acs_system_ids: [SITE_B], time_zone: 'America/New_York' })], active_client_session_count: 1, state: 'active' },
    { user_identity: maya, acs_system_ids: [SITE_A], cloud_keys: [cloudKey(3, maya, 'Phone', [d(1)], { state: 'scheduled', starts_at: iso(now + 86400000), ends_at: iso(now + 2 * 86400000), starts_at_local: '2026-11-24T00:00:00+01:00', ends_at_local: '2026-11-25T00:00:00+01:00' })], active_client_session_count: 0, state: 'scheduled' },
  ]
  state.sessions = { [maya.user_identity_id]: [{ client_session_id: '0190f400-0000-7000-8000-000000000001', workspace_id: SITE_A, created_at: iso(now - 3600000), expires_at: iso(now + 86400000), token: 'seam_cst1_pre', user_identifier_key: null, device_count: 0, connected_account_ids: [], connect_webview_ids: [], user_identity_ids: [maya.user_identity_id], user_identity_id: maya.user_identity_id, revoked_at: null }] }
  state.apiKeys = [{ api_key_id: '0190f500-0000-7000-8000-000000000001', workspace_id: SITE_A, name: 'Booking system', created_at: iso(now - 86400000), revoked_at: null, token_prefix: 'seam_ak1_Bk' }]
  window.__mock = state
  const err = (kind, message) => Promise.reject({ kind, message })
  let n = 0
  const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 8 8"><rect width="8" height="8" fill="#fff"/><rect x="1" y="1" width="2" height="2"/><rect x="5" y="1" width="2" height="2"/><rect x="1" y="5" width="2" height="2"/><rect x="4" y="4" width="1" height="1"/></svg>'
  function linkOf(req) {
    n += 1
    const id = `0190d000-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`
    const doors = req.entries.map((e) => state.doors.find((d) => d.acs_entrance_id === e))
    return {
      guest_link_id: id, workspace_id: SITE_A, issuer_user_identity_id: 'me', issuer_display_name: 'Fran Desk',
      access_method_id: doors[0].access_method_id, acs_entrance_ids: req.entries, description: req.description || 'Guest access',
      starts_at: iso(now), ends_at: iso(now + 3600000), time_zone: doors[0].time_zone, max_unlock_count: req.max_uses,
      unlock_count: 0, last_unlocked_at: null, view_count: 0, last_viewed_at: null, created_at: iso(now), revoked_at: null, state: 'active',
    }
  }
  function sheet(link) {
    const names = link.acs_entrance_ids.map((e) => state.doors.find((d) => d.acs_entrance_id === e).name)
    return {
      link, url: `http://127.0.0.1:8080/g#tok${link.guest_link_id.slice(-2)}secretsecret`, qr_svg: svg,
      subject: `Fran Desk shared ${names.join(' and ')} with you`, text: 'Open the link and tap a door',
      webhook_urls: link.acs_entrance_ids.map((e, i) => ({ acs_entrance_id: e, display_name: names[i], url: `http://127.0.0.1:8080/w/hook${i}` })),
      door_names: names, slack: state.slack,
    }
  }
  const handlers = {
    profiles: () => ({ profiles: state.profiles, current: state.current }),
    sign_in: (a) => {
      if (!a.tokenOrCode.startsWith('seam_') && !a.tokenOrCode.startsWith('ajar:signin?')) return err('invalid_input', 'that is not an Ajar token or sign-in code (tokens start with seam_)')
      if (a.tokenOrCode.includes('revoked')) return err('not_signed_in', 'the server refused the token (revoked or expired): sign in again')
      state.profiles.push({ name: a.profile, server: a.server || 'http://127.0.0.1:8080', label: 'Fran Desk (front_desk)' })
      state.current = a.profile
      return { profile: a.profile, server: a.server || 'http://127.0.0.1:8080', label: 'Fran Desk (front_desk)' }
    },
    open_profile: (a) => {
      const p = state.profiles.find((p) => p.name === (a.profile || state.current))
      if (!p) return err('not_signed_in', 'no profile yet: sign in first')
      state.current = p.name
      return { profile: p.name, server: p.server, label: p.label }
    },
    sign_out: (a) => { state.profiles = state.profiles.filter((p) => p.name !== a.profile); if (state.current === a.profile) state.current = state.profiles[0]?.name || null; return true },
    doors_cached: () => (cfg.cached === false ? null : { entries: state.doors, fetched_at: iso(now - 60000), stale: true }),
    doors: () => (cfg.offline ? { entries: state.doors, fetched_at: iso(now - 60000), stale: true } : { entries: state.doors, fetched_at: iso(Date.now()), stale: false }),
    unlock: (a) => {
      const d = state.doors.find((d) => d.acs_entrance_id === a.door)
      if (d.name === 'Warehouse Gate') return { result: 'refused', action_attempt_id: null, code: 'outside_window', message: 'your access to Warehouse Gate starts tomorrow' }
      d.unlocked_until = iso(Date.now() + 5000)
      return { result: 'confirmed', action_attempt_id: '0190e000-0000-7000-8000-000000000001' }
    },
    preview_window: (a) => {
      const w = a.window
      if (w.kind === 'between' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(w.until)) return err('invalid_input', 'end: not a time')
      return { starts_at: iso(now), ends_at: iso(now + 3600000), starts_local: '2026-03-29 01:00 +01:00', ends_local: '2026-03-29 04:00 +02:00', minutes: 120, crosses_dst: true }
    },
    share: (a) => {
      if (!a.request.entries.length) return err('invalid_input', 'pick at least one door')
      const link = linkOf(a.request)
      const s = sheet(link)
      state.links.unshift({ link, door_names: s.door_names, kept: true, starts_local: '2026-11-23 15:00 +01:00', ends_local: '2026-11-23 16:00 +01:00' })
      return s
    },
    show_link: (a) => sheet(state.links.find((r) => r.link.guest_link_id === a.id).link),
    copy_link: () => null,
    share_via: (a) => (a.channel === 'email' || a.channel === 'sms' ? null : err('invalid_input', 'unknown share channel')),
    post_to_slack: () => (state.slack ? null : err('invalid_input', 'set a Slack incoming webhook in Settings first')),
    save_qr: () => '/home/fran/guest-link-qr.png',
    links: (a) => state.links.filter((r) => !a.filter || r.link.state === a.filter),
    revoke_link: (a) => { const r = state.links.find((r) => r.link.guest_link_id === a.id); r.link.state = 'revoked'; r.kept = false; return null },
    activity: (a) => state.events.filter((e) => !a.query || !a.query.acs_entrance_id || e.acs_entrance_id === a.query.acs_entrance_id),
    poll_activity: () => { const q = state.pollQueue; state.pollQueue = []; state.events.unshift(...q); return q },
    settings: () => ({ slack_webhook_set: state.slack }),
    set_slack_webhook: (a) => {
      if (a.url && !/^https?:\/\//.test(a.url)) return err('invalid_input', 'the Slack webhook must be an http(s) URL')
      state.slack = !!a.url
      return { slack_webhook_set: state.slack }
    },
    ui_ready: () => null,
    my_role: () => state.role,
    ...adminHandlers(),
  }
  // The admin commands: admins change; front desk reads People (refused otherwise, as the server does).
  function adminHandlers() {
    const refuse = () => err('refused', 'only an admin can do that')
    const person = (id) => state.people.find((p) => p.user_identity.user_identity_id === id)
    const mustAdmin = (f) => (a) => (state.role === 'admin' ? f(a) : refuse())
    let k = 10
    return {
      admin_people: (a) => (state.role === 'member' ? refuse() : state.people.filter((p) => (!a.role || p.user_identity.role === a.role)
        && (!a.search || JSON.stringify([p.user_identity.display_name, p.user_identity.email_address]).toLowerCase().includes(a.search.toLowerCase())))),
      admin_sites: () => state.sites,
      admin_doors: () => state.doors.map(entrance),
      admin_add_user: mustAdmin((a) => {
        const u = user(state.people.length + 3, a.user.full_name || a.user.email_address, a.user.email_address, a.user.role || 'member')
        const p = { user_identity: u, acs_system_ids: [], cloud_keys: [], active_client_session_count: 0, state: 'no_access' }
        state.people.push(p)
        return p
      }),
      admin_edit_user: mustAdmin((a) => {
        const p = person(a.user)
        Object.assign(p.user_identity, a.changes)
        p.user_identity.display_name = a.changes.full_name || p.user_identity.display_name
        return p
      }),
      admin_remove_user: mustAdmin((a) => { state.people = state.people.filter((p) => p.user_identity.user_identity_id !== a.user); return a.user }),
      admin_set_remote_unlock: mustAdmin((a) => {
        const p = person(a.user)
        p.user_identity.remote_unlock_enabled = a.enabled
        p.state = a.enabled ? (p.cloud_keys.some((c) => c.state === 'active') ? 'active' : 'scheduled') : 'remote_unlock_off'
        return p
      }),
      admin_add_cloud_key: mustAdmin((a) => {
        const p = person(a.request.user)
        if (a.request.ends_at && a.request.starts_at && a.request.ends_at <= a.request.starts_at) return err('invalid_input', 'ends_at must be after starts_at')
        k += 1
        const c = cloudKey(k % 10, p.user_identity, a.request.name, a.request.entries, {
          access_method_id: `0190f200-0000-7000-8000-0000000000${k}`, whole_acs_system_ids: a.request.sites,
          state: a.request.starts_at ? 'scheduled' : 'active', starts_at_local: a.request.starts_at ? `${a.request.starts_at}:00+01:00` : '2026-11-23T15:00:00+01:00',
          ends_at: a.request.ends_at ? iso(now + 2 * 86400000) : null, ends_at_local: a.request.ends_at ? `${a.request.ends_at}:00+01:00` : null,
        })
        p.cloud_keys.push(c)
        return c
      }),
      admin_revoke_cloud_key: mustAdmin((a) => {
        for (const p of state.people) for (const c of p.cloud_keys) if (c.access_method_id === a.id) { c.state = 'revoked'; c.revoked_at = iso(Date.now()); return c }
        return err('not_found', 'cloud key not found')
      }),
      admin_issue_sign_in: mustAdmin((a) => {
        const p = person(a.user)
        const token = `seam_cst1_issued${String(++k)}secretsecretsecret`
        const cs = { client_session_id: `0190f400-0000-7000-8000-0000000000${k}`, workspace_id: SITE_A, created_at: iso(Date.now()), expires_at: iso(now + 30 * 86400000), token, user_identifier_key: null, device_count: 0, connected_account_ids: [], connect_webview_ids: [], user_identity_ids: [a.user], user_identity_id: a.user, revoked_at: null }
        ;(state.sessions[a.user] ||= []).push({ ...cs, token: token.slice(0, 12) })
        return { client_session: cs, user: p.user_identity, code: `ajar:signin?server=http%3A%2F%2F127.0.0.1%3A8080&token=${token}`, qr_svg: svg, qr_png: [] }
      }),
      admin_sessions: mustAdmin((a) => state.sessions[a.user] || []),
      admin_revoke_session: mustAdmin((a) => { for (const l of Object.values(state.sessions)) for (const s of l) if (s.client_session_id === a.id) s.revoked_at = iso(Date.now()); return null }),
      admin_add_site: mustAdmin((a) => {
        if (!/^[A-Za-z_]+\/[A-Za-z_]+$/.test(a.timeZone)) return err('invalid_input', `time_zone: ${a.timeZone} is not an IANA time zone`)
        const s = site(`0190a000-0000-7000-8000-0000000000${++k}`, a.name, a.timeZone)
        state.sites.push(s)
        return s
      }),
      admin_edit_site: mustAdmin((a) => {
        const s = state.sites.find((x) => x.acs_system_id === a.site)
        if (a.name) s.name = a.name
        if (a.timeZone) s.location.time_zone = a.timeZone
        return s
      }),
      admin_add_door: mustAdmin((a) => {
        const s = state.sites.find((x) => x.acs_system_id === a.door.site)
        const nd = door(0, a.door.name, s.acs_system_id, s.name, { acs_entrance_id: `0190b000-0000-7000-8000-0000000000${++k}`, access_method_id: null, time_zone: s.location.time_zone })
        state.doors.push(nd)
        return entrance(nd)
      }),
      admin_edit_door: mustAdmin((a) => {
        const x = state.doors.find((y) => y.acs_entrance_id === a.door)
        x.name = a.changes.name ?? x.name
        x.is_in_lockdown = a.changes.is_in_lockdown ?? x.is_in_lockdown
        state.doorChanges = a.changes
        return entrance(x)
      }),
      admin_api_keys: mustAdmin(() => state.apiKeys),
      admin_create_api_key: mustAdmin((a) => {
        const key = { api_key_id: `0190f500-0000-7000-8000-0000000000${++k}`, workspace_id: SITE_A, name: a.name, created_at: iso(Date.now()), revoked_at: null, token_prefix: 'seam_ak1_Nw' }
        state.apiKeys.push(key)
        return { ...key, token: `seam_ak1_Nw${k}topsecretapikeyvalue` }
      }),
      admin_revoke_api_key: mustAdmin((a) => { const key = state.apiKeys.find((x) => x.api_key_id === a.id); key.revoked_at = iso(Date.now()); return key }),
    }
  }
  window.__TAURI__ = {
    core: {
      invoke: async (cmd, args) => {
        calls.push({ cmd, args: JSON.parse(JSON.stringify(args || {})) })
        const f = handlers[cmd]
        if (!f) throw { kind: 'server', message: `unknown command ${cmd}` }
        return f(args || {})
      },
    },
  }
})()
