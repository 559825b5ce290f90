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
