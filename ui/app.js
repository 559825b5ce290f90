// Ajar desktop front end: plain JS, no bundler. Every action is a Tauri command (see
// app/src/commands.rs); the token never comes here. Views are registered in VIEWS and shown by
// the sidebar router; a view with `roles` shows only to those roles (the control center's views
// live in ui/admin.js, loaded first). The server still decides every call.
'use strict'

const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args || {})

// ---- tiny DOM helpers (text only: no HTML strings from data) ------------------------------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    else if (k === 'text') el.textContent = v
    else el.setAttribute(k, v === true ? '' : v)
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)))
  }
  return el
}
const $ = (sel, root = document) => root.querySelector(sel)
// A time in a site's zone ("23 Nov 2026, 16:25").
const inZone = (t, zone) => new Date(t).toLocaleString('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' })
const msg = (e) => (e && typeof e === 'object' && 'message' in e ? e.message : String(e))

function toast(text) {
  const t = h('div', { class: 'toast' }, text)
  $('#toasts').append(t)
  setTimeout(() => t.remove(), 6000)
}

function banner(text, isError) {
  const b = $('#banner')
  b.hidden = !text
  b.textContent = text || ''
  b.className = 'banner' + (isError ? ' error' : '')
}

// ---- state ---------------------------------------------------------------------------------
const app = {
  me: null,
  role: undefined, // 'member' | 'front_desk' | 'admin' once known (my_role), null when unknown
  doors: null, // EntryList
  view: null,
  timers: [],
  selected: 0,
  filter: '',
  results: {}, // door id -> {cls, text}
  activity: [],
}

function clearTimers() {
  app.timers.forEach(clearInterval)
  app.timers = []
}

// ---- router --------------------------------------------------------------------------------
const VIEWS = {
  doors: { title: 'Doors', nav: true, render: renderDoors },
  links: { title: 'Links', nav: true, render: renderLinks },
  activity: { title: 'Activity', nav: true, render: renderActivity },
  people: { title: 'People', nav: true, roles: ['admin', 'front_desk'], render: renderPeople },
  sites: { title: 'Sites & doors', nav: true, roles: ['admin'], render: renderSites },
  apikeys: { title: 'API keys', nav: true, roles: ['admin'], render: renderApiKeys },
  settings: { title: 'Settings', nav: true, render: renderSettings },
  signin: { title: 'Sign in', nav: false, render: renderSignIn },
}

function renderNav() {
  const nav = $('#nav')
  nav.replaceChildren()
  if (!app.me) return
  for (const [name, v] of Object.entries(VIEWS)) {
    if (!v.nav || (v.roles && !v.roles.includes(app.role))) continue
    nav.append(h('button', { 'data-view': name, 'aria-current': app.view === name ? 'page' : null, onclick: () => show(name) }, v.title))
  }
  $('#me').textContent = app.me ? `${app.me.label} · ${app.me.profile} · ${app.me.server}` : ''
}

// Asks the server for the signed-in role (in the background: the doors view must not wait),
// then redraws the sidebar with the views that role can use.
function loadRole() {
  const me = app.me
  app.role = null
  invoke('my_role').then((r) => {
    if (app.me !== me) return
    app.role = r
    renderNav()
  }, () => {})
}

async function show(name) {
  clearTimers()
  if (app.me && app.role === undefined) loadRole()
  if (!app.me) app.role = undefined
  // A view the role cannot use (e.g. after switching profile) falls back to Doors.
  if (app.me && VIEWS[name].roles && !VIEWS[name].roles.includes(app.role)) name = 'doors'
  // New activity is polled in every view once signed in: uses of the user's links raise a
  // desktop notification (from Rust) and a toast.
  if (app.me && !app.poller) app.poller = setInterval(pollActivity, 3000)
  if (!app.me && app.poller) { clearInterval(app.poller); app.poller = null }
  banner('')
  app.view = name
  document.body.dataset.view = name
  $('#view-title').textContent = VIEWS[name].title
  $('#view-actions').replaceChildren()
  $('#view').replaceChildren()
  renderNav()
  try {
    await VIEWS[name].render($('#view'))
  } catch (e) {
    handleError(e)
  }
}

function handleError(e) {
  if (e && e.kind === 'not_signed_in') {
    app.me = null
    show('signin').then(() => banner(msg(e), true))
    return
  }
  banner(msg(e), true)
}

// ---- sign in -------------------------------------------------------------------------------
async function renderSignIn(view) {
  const { profiles, current } = await invoke('profiles')
  const err = h('div', { class: 'error-text', id: 'signin-error' })
  const form = h('form', { class: 'card narrow', id: 'signin-form' },
    h('div', { class: 'field' }, h('label', { for: 'signin-server' }, 'Server URL'),
      h('input', { id: 'signin-server', type: 'url', placeholder: 'https://… (optional with a sign-in code)' })),
    h('div', { class: 'field' }, h('label', { for: 'signin-token' }, 'Token or sign-in code'),
      h('textarea', { id: 'signin-token', rows: 3, placeholder: 'seam_cst… or ajar:signin?server=…&token=…', autocomplete: 'off', spellcheck: 'false' })),
    h('div', { class: 'field' }, h('label', { for: 'signin-profile' }, 'Profile name'),
      h('input', { id: 'signin-profile', value: profiles.length ? `work${profiles.length + 1}` : 'work' })),
    h('div', { class: 'dialog-actions' }, h('button', { class: 'primary', type: 'submit', id: 'signin-submit' }, 'Sign in')),
    err)
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    $('#signin-submit').disabled = true
    try {
      app.me = await invoke('sign_in', {
        profile: $('#signin-profile').value.trim(),
        server: $('#signin-server').value.trim() || null,
        tokenOrCode: $('#signin-token').value.trim(),
      })
      $('#signin-token').value = ''
      app.doors = null
      app.role = undefined
      show('doors')
    } catch (e) {
      err.textContent = msg(e)
    } finally {
      const b = $('#signin-submit')
      if (b) b.disabled = false
    }
  })
  view.append(form)
  if (profiles.length) {
    view.append(h('h3', {}, 'Saved profiles'), profileList(profiles, current))
  }
  $('#signin-server').focus()
  invoke('ui_ready', { what: 'signin' })
}

function profileList(profiles, current) {
  return h('ul', { class: 'profiles card narrow', id: 'profiles' }, profiles.map((p) =>
    h('li', { 'data-profile': p.name },
      h('span', { class: 'grow' }, h('strong', {}, p.name), ' ', h('span', { class: 'muted' }, `${p.label} · ${p.server}`)),
      p.name === current && app.me ? h('span', { class: 'badge active' }, 'open') :
        h('button', { onclick: () => openProfile(p.name) }, 'Open'),
      h('button', { class: 'danger', onclick: () => signOut(p.name) }, 'Sign out'))))
}

async function openProfile(name) {
  try {
    app.me = await invoke('open_profile', { profile: name })
    app.doors = null
    app.role = undefined
    app.results = {}
    show('doors')
  } catch (e) {
    handleError(e)
  }
}

async function signOut(name) {
  try {
    await invoke('sign_out', { profile: name })
    if (app.me && app.me.profile === name) app.me = null
    if (!app.me) return start()
    show(app.view)
  } catch (e) {
    handleError(e)
  }
}

// ---- doors ---------------------------------------------------------------------------------
function doorState(d) {
  if (!d.is_online) return { cls: 'offline', text: 'Offline' }
  if (d.is_in_lockdown) return { cls: 'lockdown', text: 'Lockdown' }
  const until = d.unlocked_until ? Date.parse(d.unlocked_until) : 0
  if (until > Date.now()) {
    const s = Math.ceil((until - Date.now()) / 1000)
    return { cls: 'open', text: `Open · ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` }
  }
  return { cls: 'locked', text: 'Locked' }
}

const canUnlock = (d) => d.access_method_id && d.can_unlock_with_cloud_key && !d.is_in_lockdown && d.is_online

function visibleDoors() {
  const f = app.filter.trim().toLowerCase()
  const all = (app.doors && app.doors.entries) || []
  return all.filter((d) => !f || d.name.toLowerCase().includes(f) || d.site_name.toLowerCase().includes(f))
}

function drawDoors() {
  const list = $('#doors')
  if (!list) return
  const doors = visibleDoors()
  app.selected = Math.max(0, Math.min(app.selected, doors.length - 1))
  const out = []
  let site = null
  doors.forEach((d, i) => {
    if (d.site_id !== site) {
      site = d.site_id
      out.push(h('h2', { class: 'site' }, `${d.site_name || 'Site'} · ${d.time_zone}`))
    }
    const st = doorState(d)
    const r = app.results[d.acs_entrance_id]
    out.push(h('div', { class: 'door' + (i === app.selected ? ' selected' : ''), 'data-door': d.acs_entrance_id, 'data-name': d.name },
      h('div', {}, h('div', { class: 'name' }, d.name), h('div', { class: 'muted' }, d.access_ends_at ? `your access until ${inZone(d.access_ends_at, d.time_zone)}` : d.access_method_id ? 'your access is open-ended' : 'no key of yours')),
      h('span', { class: `badge ${st.cls} state` }, st.text),
      h('button', { class: 'primary big unlock', disabled: !canUnlock(d), onclick: () => unlock(d) }, 'Unlock'),
      h('div', { class: 'result ' + (r ? r.cls : ''), role: 'status' }, r ? r.text : '')))
  })
  if (!doors.length) out.push(h('div', { class: 'empty' }, app.doors ? 'No door matches.' : 'Loading doors…'))
  list.replaceChildren(...out)
  if (app.doors && app.doors.stale) banner(`Offline: showing doors as of ${new Date(app.doors.fetched_at).toLocaleString()}.`)
}

async function unlock(d) {
  app.results[d.acs_entrance_id] = { cls: '', text: `Unlocking ${d.name}…` }
  drawDoors()
  try {
    const r = await invoke('unlock', { door: d.acs_entrance_id })
    app.results[d.acs_entrance_id] =
      r.result === 'confirmed' ? { cls: 'ok', text: `✓ ${d.name} opened (confirmed by the door).` }
        : r.result === 'not_confirmed' ? { cls: 'warn', text: `Sent, not confirmed: ${r.reason}` }
          : { cls: 'bad', text: `Refused: ${r.message}` }
    refreshDoors()
  } catch (e) {
    app.results[d.acs_entrance_id] = { cls: 'bad', text: msg(e) }
    if (e && e.kind === 'not_signed_in') handleError(e)
  }
  drawDoors()
}

async function refreshDoors() {
  try {
    app.doors = await invoke('doors')
    if (!app.doors.stale) banner('')
    drawDoors()
  } catch (e) {
    handleError(e)
  }
}

async function renderDoors(view) {
  $('#view-actions').append(h('button', { id: 'share-open', onclick: () => openShare() }, 'Share…'))
  const filter = h('input', { class: 'filter', id: 'door-filter', type: 'search', placeholder: 'Type to filter, ↑↓ to pick, Enter to unlock', value: app.filter, autocomplete: 'off' })
  filter.addEventListener('input', () => { app.filter = filter.value; app.selected = 0; drawDoors() })
  filter.addEventListener('keydown', (ev) => {
    const doors = visibleDoors()
    if (ev.key === 'ArrowDown') { app.selected = Math.min(app.selected + 1, doors.length - 1); drawDoors(); ev.preventDefault() }
    else if (ev.key === 'ArrowUp') { app.selected = Math.max(app.selected - 1, 0); drawDoors(); ev.preventDefault() }
    else if (ev.key === 'Enter') { const d = doors[app.selected]; if (d) unlock(d); ev.preventDefault() }
    else if (ev.key === 'Escape') { filter.value = ''; app.filter = ''; drawDoors() }
  })
  view.append(filter, h('div', { class: 'doors', id: 'doors' }))
  filter.focus()
  if (!app.doors) {
    const cached = await invoke('doors_cached')
    if (cached) app.doors = cached
  }
  drawDoors()
  if (app.doors) invoke('ui_ready', { what: 'doors' })
  await refreshDoors()
  app.timers.push(setInterval(drawDoors, 1000))
  app.timers.push(setInterval(refreshDoors, 5000))
}

// ---- share dialog and share sheet ------------------------------------------------------------
function closeDialog() {
  $('#overlay').hidden = true
  $('#dialog').replaceChildren()
  const f = $('#door-filter')
  if (f) f.focus()
}

function civilParts(zone, date) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' })
    .formatToParts(date)
  const get = (t) => parts.find((p) => p.type === t).value
  return { ymd: `${get('year')}-${get('month')}-${get('day')}`, weekday: get('weekday') }
}

// The window of a quick pick, as core's WindowInput; civil times are in the site's zone.
function quickWindow(kind, zone) {
  const now = new Date()
  if (kind === 'hour') return { kind: 'for', seconds: 3600 }
  if (kind === 'today') return { kind: 'between', from: null, until: `${civilParts(zone, now).ymd}T23:59` }
  if (kind === 'week') {
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
    const left = 6 - days.indexOf(civilParts(zone, now).weekday)
    const sunday = new Date(now.getTime() + left * 86400000)
    return { kind: 'between', from: null, until: `${civilParts(zone, sunday).ymd}T23:59` }
  }
  return null
}

function openShare(preselect) {
  const doors = ((app.doors && app.doors.entries) || []).filter((d) => d.access_method_id)
  const pre = new Set(preselect || [])
  if (!pre.size) { const d = visibleDoors()[app.selected]; if (d && d.access_method_id) pre.add(d.acs_entrance_id) }
  let windowKind = 'hour'
  const err = h('div', { class: 'error-text', id: 'share-error' })
  const preview = h('div', { class: 'preview muted', id: 'share-preview' })
  const custom = h('div', { class: 'two', id: 'share-custom', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'share-from' }, 'Start (site time)'), h('input', { id: 'share-from', type: 'datetime-local' })),
    h('div', { class: 'field' }, h('label', { for: 'share-until' }, 'End (site time)'), h('input', { id: 'share-until', type: 'datetime-local' })))
  const zone = () => {
    const first = doors.find((d) => $(`#pick-${d.acs_entrance_id}`)?.checked)
    return first ? first.time_zone : (doors[0] && doors[0].time_zone) || 'UTC'
  }
  const windowInput = () => windowKind === 'custom'
    ? { kind: 'between', from: $('#share-from').value || null, until: $('#share-until').value }
    : quickWindow(windowKind, zone())
  const updatePreview = async () => {
    const w = windowInput()
    if (!w || (w.kind === 'between' && !w.until)) { preview.textContent = 'Pick an end.'; return }
    try {
      const p = await invoke('preview_window', { zone: zone(), window: w })
      const hrs = p.minutes >= 120 ? `${Math.round(p.minutes / 60)} h` : `${p.minutes} min`
      preview.textContent = `${p.starts_local} → ${p.ends_local} (${zone()}, ${hrs})` + (p.crosses_dst ? ' · the clocks change in this window' : '')
    } catch (e) {
      preview.textContent = msg(e)
    }
  }
  const quick = h('div', { class: 'quick', id: 'share-quick' }, [['hour', 'Next hour'], ['today', 'Today'], ['week', 'This week'], ['custom', 'Custom…']].map(([k, label]) =>
    h('button', { type: 'button', 'data-window': k, 'aria-pressed': String(k === windowKind), onclick: (ev) => {
      windowKind = k
      for (const b of quick.children) b.setAttribute('aria-pressed', String(b === ev.currentTarget))
      custom.hidden = k !== 'custom'
      updatePreview()
    } }, label)))
  const form = h('form', { id: 'share-form' },
    h('h2', {}, 'Share a guest access link'),
    h('label', {}, 'Doors'),
    h('div', { class: 'pick-doors' }, doors.map((d) => h('label', {}, h('input', { type: 'checkbox', id: `pick-${d.acs_entrance_id}`, 'data-door': d.name, value: d.acs_entrance_id, checked: pre.has(d.acs_entrance_id), onchange: updatePreview }), `${d.name}`, h('span', { class: 'muted' }, d.site_name)))),
    h('div', { class: 'field' }, h('label', { for: 'share-description' }, 'Description (the guest sees it)'), h('input', { id: 'share-description', placeholder: 'e.g. Plumber, Tuesday morning', maxlength: 200 })),
    h('label', {}, 'When'), quick, custom, preview,
    h('div', { class: 'field' }, h('label', { for: 'share-max' }, 'Max uses (optional)'), h('input', { id: 'share-max', type: 'number', min: 1, max: 10000, placeholder: 'unlimited' })),
    err,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: closeDialog }, 'Cancel'), h('button', { type: 'submit', class: 'primary', id: 'share-create' }, 'Create link')))
  custom.addEventListener('change', updatePreview)
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    const entries = [...form.querySelectorAll('.pick-doors input:checked')].map((i) => i.value)
    const max = $('#share-max').value
    $('#share-create').disabled = true
    try {
      const sheet = await invoke('share', { request: { entries, description: $('#share-description').value, window: windowInput(), max_uses: max ? Number(max) : null } })
      showSheet(sheet)
    } catch (e) {
      err.textContent = msg(e)
      const b = $('#share-create')
      if (b) b.disabled = false
    }
  })
  form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDialog() })
  $('#dialog').replaceChildren(form)
  $('#overlay').hidden = false
  $('#share-description').focus()
  updatePreview()
}

function showSheet(sheet) {
  const id = sheet.link.guest_link_id
  const status = h('div', { class: 'muted', id: 'sheet-status', role: 'status' })
  const act = (label, attrs, fn) => h('button', { ...attrs, onclick: async () => {
    status.textContent = ''
    try { status.textContent = (await fn()) || '' } catch (e) { status.textContent = msg(e) }
  } }, label)
  const qr = h('img', { class: 'qr', id: 'sheet-qr', alt: 'QR code of the guest link', src: 'data:image/svg+xml;base64,' + btoa(sheet.qr_svg) })
  const win = `${inZone(sheet.link.starts_at, sheet.link.time_zone)} → ${inZone(sheet.link.ends_at, sheet.link.time_zone)}`
  const body = h('div', { id: 'share-sheet' },
    h('h2', {}, 'Share sheet'),
    h('div', { class: 'sheet' },
      qr,
      h('div', {},
        h('div', {}, h('strong', {}, sheet.subject)),
        h('div', { class: 'muted' }, `${sheet.link.description} · ${win} (${sheet.link.time_zone})` + (sheet.link.max_unlock_count ? ` · up to ${sheet.link.max_unlock_count} uses` : '')),
        h('label', { for: 'sheet-url' }, 'Guest link'),
        h('div', { class: 'url-row' }, h('input', { id: 'sheet-url', readonly: true, value: sheet.url }),
          act('Copy', { id: 'sheet-copy', class: 'primary' }, async () => { await invoke('copy_link', { id }); return 'Link copied.' })),
        h('div', { class: 'share-buttons' },
          act('Email', { id: 'sheet-email' }, async () => { await invoke('share_via', { id, channel: 'email' }); return 'Opened your mail app.' }),
          act('SMS', { id: 'sheet-sms' }, async () => { await invoke('share_via', { id, channel: 'sms' }); return 'Opened your messaging app.' }),
          act('Slack', { id: 'sheet-slack', disabled: !sheet.slack, title: sheet.slack ? null : 'Set a Slack webhook in Settings' }, async () => { await invoke('post_to_slack', { id }); return 'Posted to Slack.' }),
          act('Save QR…', { id: 'sheet-save' }, async () => { const p = await invoke('save_qr', { id }); return p ? `Saved ${p}` : '' })),
        status,
        sheet.webhook_urls.length ? h('div', { class: 'webhooks', id: 'sheet-webhooks' }, h('strong', {}, 'Webhook URLs for automations (POST opens the door):'),
          h('ul', {}, sheet.webhook_urls.map((w) => h('li', {}, `${w.display_name}: `, h('code', {}, w.url))))) : null)),
    h('div', { class: 'dialog-actions' }, h('button', { class: 'primary', id: 'sheet-done', onclick: closeDialog }, 'Done')))
  body.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDialog() })
  $('#dialog').replaceChildren(body)
  $('#overlay').hidden = false
  $('#sheet-copy').focus()
}

// ---- links ---------------------------------------------------------------------------------
const LINK_STATES = ['', 'active', 'scheduled', 'expired', 'revoked', 'used_up']

async function renderLinks(view) {
  const sel = h('select', { id: 'links-state' }, LINK_STATES.map((s) => h('option', { value: s }, s ? s.replace('_', ' ') : 'all states')))
  sel.value = app.linkState || ''
  sel.addEventListener('change', () => { app.linkState = sel.value; drawLinks() })
  $('#view-actions').append(sel, h('button', { onclick: () => { show('doors').then(() => openShare()) } }, 'New link…'))
  view.append(h('div', { id: 'links' }))
  await drawLinks()
}

async function drawLinks() {
  const rows = await invoke('links', { filter: app.linkState || null })
  const box = $('#links')
  if (!box) return
  if (!rows.length) { box.replaceChildren(h('div', { class: 'empty' }, 'No guest links yet.')); return }
  box.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, ['Description', 'Doors', 'State', 'Window (site time)', 'Uses', 'Last use', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((r) => linkRow(r)))))
}

function linkRow(r) {
  const l = r.link
  const live = l.state === 'active' || l.state === 'scheduled'
  const actions = h('td', { class: 'actions' })
  const tr = h('tr', { 'data-link': l.guest_link_id, 'data-description': l.description },
    h('td', {}, l.description, h('div', { class: 'muted' }, `by ${l.issuer_display_name}`)),
    h('td', {}, r.door_names.join(', ')),
    h('td', {}, h('span', { class: `badge ${l.state} link-state` }, l.state.replace('_', ' '))),
    h('td', {}, `${r.starts_local} → ${r.ends_local}`),
    h('td', { class: 'uses' }, l.max_unlock_count ? `${l.unlock_count} / ${l.max_unlock_count}` : String(l.unlock_count)),
    h('td', {}, l.last_unlocked_at ? inZone(l.last_unlocked_at, l.time_zone) : '—'),
    actions)
  const normal = () => actions.replaceChildren(
    live && r.kept ? h('button', { class: 'show-qr', onclick: async () => { try { showSheet(await invoke('show_link', { id: l.guest_link_id })) } catch (e) { banner(msg(e), true) } } }, 'QR') : null,
    live && r.kept ? h('button', { class: 'copy', onclick: async () => { try { await invoke('copy_link', { id: l.guest_link_id }); toast('Link copied.') } catch (e) { banner(msg(e), true) } } }, 'Copy') : null,
    live ? h('button', { class: 'danger revoke', onclick: confirm }, 'Revoke') : null)
  const confirm = () => actions.replaceChildren(
    h('span', {}, 'Revoke this link? '),
    h('button', { class: 'danger confirm-revoke', onclick: async () => {
      try { await invoke('revoke_link', { id: l.guest_link_id }); toast(`Revoked “${l.description}”.`); drawLinks() } catch (e) { banner(msg(e), true) }
    } }, 'Yes, revoke'),
    h('button', { class: 'cancel-revoke', onclick: normal }, 'No'))
  normal()
  return tr
}

// ---- activity ------------------------------------------------------------------------------
async function renderActivity(view) {
  const doors = (app.doors && app.doors.entries) || []
  const text = h('input', { type: 'search', id: 'activity-filter', placeholder: 'Filter: person, door, link…', value: app.activityText || '' })
  const door = h('select', { id: 'activity-door' }, h('option', { value: '' }, 'all doors'), doors.map((d) => h('option', { value: d.acs_entrance_id }, d.name)))
  const how = h('select', { id: 'activity-how' }, ['', 'app', 'guest link', 'webhook', 'API key', 'admin'].map((s) => h('option', { value: s }, s || 'any way')))
  door.value = app.activityDoor || ''
  const redraw = () => { app.activityText = text.value; drawActivity() }
  text.addEventListener('input', redraw)
  how.addEventListener('change', redraw)
  door.addEventListener('change', async () => { app.activityDoor = door.value; await loadActivity() })
  view.append(h('div', { class: 'activity-filters' }, text, door, how), h('div', { id: 'activity' }))
  await loadActivity()
}

async function loadActivity() {
  app.activity = await invoke('activity', { query: { acs_entrance_id: app.activityDoor || null, guest_link_id: null, limit: 200 } })
  drawActivity()
}

async function pollActivity() {
  try {
    const fresh = await invoke('poll_activity')
    for (const i of fresh) if (i.my_link_used) toast(`${i.who} opened ${i.door}`)
    if (fresh.length && app.view === 'activity') await loadActivity()
  } catch (e) {
    handleError(e)
  }
}

// Administrative changes (how: "admin"), one line per change.
const ADMIN_WHAT = {
  'user_identity.created': 'user added',
  'user_identity.updated': 'user changed',
  'user_identity.deleted': 'user removed',
  'user_identity.remote_unlock_enabled': 'remote unlock on',
  'user_identity.remote_unlock_disabled': 'remote unlock off',
  'access_grant.created': 'cloud key added',
  'access_method.revoked': 'cloud key revoked',
  'client_session.created': 'sign-in issued',
  'client_session.deleted': 'session ended',
  'acs_system.added': 'site added',
  'acs_system.updated': 'site changed',
  'acs_system.removed': 'site removed',
  'acs_entrance.added': 'door added',
  'acs_entrance.updated': 'door changed',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
}
const SHOWN = new Set(['lock.unlocked', 'action_attempt.unlock_door.failed', 'guest_link.created', 'guest_link.revoked', 'guest_link.viewed'])
const shown = (i) => SHOWN.has(i.event_type) || (i.how === 'admin' && i.event_type in ADMIN_WHAT)
const what = (i) => (i.how === 'admin' ? ADMIN_WHAT[i.event_type] : WHAT[i.event_type]) || i.event_type
const WHAT = {
  'lock.unlocked': 'unlocked',
  'action_attempt.unlock_door.failed': 'unlock refused',
  'guest_link.created': 'link created',
  'guest_link.revoked': 'link revoked',
  'guest_link.viewed': 'link opened',
}

function drawActivity() {
  const box = $('#activity')
  if (!box) return
  const f = (app.activityText || '').toLowerCase()
  const how = ($('#activity-how') || {}).value || ''
  const items = app.activity.filter(shown)
    .filter((i) => !how || i.how === how)
    .filter((i) => !f || [i.who, i.door, i.site, i.how, i.detail, what(i)].join(' ').toLowerCase().includes(f))
  if (!items.length) { box.replaceChildren(h('div', { class: 'empty' }, 'No activity.')); return }
  box.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, ['When (site time)', 'Who', 'Door', 'What', 'How', 'Details'].map((t) => h('th', {}, t)))),
    h('tbody', {}, items.map((i) => h('tr', { class: i.ok ? 'activity-row' : 'activity-row row-bad', 'data-event': i.event_type },
      h('td', {}, i.occurred_local), h('td', { class: 'who' }, i.who), h('td', { class: 'door-name' }, i.door || '—'),
      h('td', { class: 'what' }, what(i)), h('td', { class: 'how' }, i.how), h('td', {}, i.detail))))))
}

// ---- settings ------------------------------------------------------------------------------
async function renderSettings(view) {
  const s = await invoke('settings')
  const { profiles, current } = await invoke('profiles')
  const status = h('div', { class: 'muted', id: 'settings-status' })
  const hook = h('input', { id: 'slack-webhook', type: 'password', placeholder: s.slack_webhook_set ? '(set; type a new one to replace, empty to clear)' : 'Slack incoming webhook URL', autocomplete: 'off' })
  view.append(
    h('div', { class: 'card narrow' },
      h('h3', {}, 'Slack'),
      h('p', { class: 'muted' }, 'Share sheets can post a link to a Slack channel through an incoming webhook. The URL is kept in the OS keyring.'),
      hook,
      h('div', { class: 'dialog-actions' }, h('button', { class: 'primary', id: 'slack-save', onclick: async () => {
        try { const r = await invoke('set_slack_webhook', { url: hook.value }); hook.value = ''; status.textContent = r.slack_webhook_set ? 'Slack webhook saved.' : 'Slack webhook cleared.' } catch (e) { status.textContent = msg(e) }
      } }, 'Save')), status),
    h('h3', {}, 'Profiles'), profileList(profiles, current),
    h('div', { class: 'dialog-actions narrow' }, h('button', { id: 'add-profile', onclick: () => show('signin') }, 'Add a profile…')))
}

// ---- start ---------------------------------------------------------------------------------
document.addEventListener('keydown', (ev) => {
  // Type-to-filter from anywhere in the doors view.
  if (app.view !== 'doors' || !$('#overlay').hidden) return
  const f = $('#door-filter')
  if (f && document.activeElement !== f && ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) f.focus()
})

async function start() {
  try {
    const { current } = await invoke('profiles')
    if (current) {
      app.me = await invoke('open_profile', { profile: null })
      return show('doors')
    }
  } catch (e) {
    banner(msg(e), true)
  }
  app.me = null
  show('signin')
}

start()
