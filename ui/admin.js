// Ajar desktop: the control center views (People with a user's credentials, Remote Unlock switch
// and sign-in; Sites & doors; API keys). Loaded before app.js, whose helpers (h, $, invoke, msg,
// banner, toast, closeDialog, show) these functions use when they run; app.js registers them in
// VIEWS for the roles that can use them. Every action is an `admin_*` command (app/src/commands.rs);
// the server decides who may do what. Secrets (a sign-in code, an API key) are shown once, in
// the DOM only while their box is open, and kept nowhere.
'use strict'

const ROLES = ['member', 'front_desk', 'admin']
const roleName = (r) => ({ member: 'member', front_desk: 'front desk', admin: 'admin' })[r] || r
const isAdmin = () => app.role === 'admin'
const REMOTE_UNLOCK_CONSEQUENCE = "Turning it off stops this user's unlocks and every guest link they issued, at the next request."
const PERSON_STATES = { active: 'active', scheduled: 'scheduled', no_access: 'no access', remote_unlock_off: 'remote unlock off' }
// "2026-06-02T00:00:00+02:00" -> "2026-06-02 00:00 +02:00" (the offset stays visible: DST).
const civil = (s) => (s ? s.replace('T', ' ').replace(/:\d\d(?=[+-]\d\d:\d\d$|Z$)/, ' ') : '')

// Sites and doors, loaded once per view (names for keys, pickers for new keys).
const admin = { sites: [], doors: [], people: [], search: '', roleFilter: '' }

async function loadPlaces() {
  try {
    admin.sites = await invoke('admin_sites')
    admin.doors = await invoke('admin_doors', { site: null })
  } catch (e) {
    admin.sites = []
    admin.doors = []
  }
}
const siteName = (id) => (admin.sites.find((s) => s.acs_system_id === id) || {}).name || 'a site'
const doorName = (id) => (admin.doors.find((d) => d.acs_entrance_id === id) || {}).display_name || 'a door'
const siteZone = (id) => ((admin.sites.find((s) => s.acs_system_id === id) || {}).location || {}).time_zone || 'UTC'

// ---- people --------------------------------------------------------------------------------
async function renderPeople(view) {
  const search = h('input', { type: 'search', id: 'people-search', placeholder: 'Search name, email, phone…', value: admin.search, autocomplete: 'off' })
  const role = h('select', { id: 'people-role' }, h('option', { value: '' }, 'all roles'), ROLES.map((r) => h('option', { value: r }, roleName(r))))
  role.value = admin.roleFilter
  let timer = null
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { admin.search = search.value; drawPeople().catch(handleError) }, 200) })
  role.addEventListener('change', () => { admin.roleFilter = role.value; drawPeople().catch(handleError) })
  if (isAdmin()) $('#view-actions').append(h('button', { id: 'person-add', class: 'primary', onclick: () => openPerson(null) }, 'Add user…'))
  view.append(
    isAdmin() ? null : h('div', { class: 'banner', id: 'people-readonly' }, 'Read-only: only an admin can change people and their access.'),
    h('div', { class: 'activity-filters' }, search, role),
    h('div', { id: 'people' }))
  await loadPlaces()
  await drawPeople()
}

async function drawPeople() {
  const rows = await invoke('admin_people', { search: admin.search || null, role: admin.roleFilter || null })
  admin.people = rows
  const box = $('#people')
  if (!box) return
  if (!rows.length) { box.replaceChildren(h('div', { class: 'empty' }, admin.search ? 'Nobody matches.' : 'No users yet.')); return }
  box.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, ['Name', 'Role', 'Sites', 'Cloud keys', 'State', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((p) => {
      const u = p.user_identity
      const live = p.cloud_keys.filter((k) => k.state === 'active' || k.state === 'scheduled')
      return h('tr', { class: 'person-row', 'data-user': u.user_identity_id, 'data-name': u.display_name },
        h('td', {}, h('strong', {}, u.display_name), h('div', { class: 'muted' }, [u.email_address, u.phone_number].filter(Boolean).join(' · '))),
        h('td', { class: 'role' }, roleName(u.role)),
        h('td', { class: 'sites' }, p.acs_system_ids.map(siteName).join(', ') || '—'),
        h('td', { class: 'keys' }, live.length ? live.map((k) => `${k.name} (${k.state})`).join(', ') : '—'),
        h('td', {}, h('span', { class: `badge ${p.state} person-state` }, PERSON_STATES[p.state] || p.state)),
        h('td', { class: 'actions' }, h('button', { class: 'open-person', onclick: () => openPerson(p) }, isAdmin() ? 'Open' : 'View')))
    }))))
}

function field(id, label, input) {
  input.id = id
  return h('div', { class: 'field' }, h('label', { for: id }, label), input)
}

// One user's dialog: details (edit for admins), credentials with the Remote Unlock switch,
// sign-in codes and sessions. `p` null: the add-user form.
function openPerson(p) {
  const ro = !isAdmin()
  const u = p ? p.user_identity : { full_name: '', email_address: '', phone_number: '', role: 'member' }
  const err = h('div', { class: 'error-text', id: 'person-error' })
  const roleSel = h('select', { disabled: ro }, ROLES.map((r) => h('option', { value: r }, roleName(r))))
  roleSel.value = u.role
  const input = (v) => h('input', { value: v || '', readonly: ro, autocomplete: 'off' })
  const details = h('form', { id: 'person-form' },
    h('div', { class: 'two' }, field('person-name', 'Full name', input(u.full_name)), field('person-role', 'Role', roleSel)),
    h('div', { class: 'two' }, field('person-email', 'Email', input(u.email_address)), field('person-phone', 'Phone', input(u.phone_number))),
    err,
    ro ? null : h('div', { class: 'dialog-actions' },
      p ? h('span', { id: 'person-remove-box', class: 'grow' }, h('button', { type: 'button', class: 'danger', id: 'person-remove', onclick: () => confirmRemove(p) }, 'Remove user…')) : null,
      h('button', { type: 'submit', class: 'primary', id: 'person-save' }, p ? 'Save' : 'Add user')))
  details.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    const v = { full_name: $('#person-name').value.trim(), email_address: $('#person-email').value.trim(), phone_number: $('#person-phone').value.trim(), role: roleSel.value }
    try {
      if (p) {
        const next = await invoke('admin_edit_user', { user: u.user_identity_id, changes: v })
        toast(`Saved ${next.user_identity.display_name}.`)
        openPerson(next)
      } else {
        if (!v.full_name && !v.email_address && !v.phone_number) { err.textContent = 'Give at least a name, an email or a phone number.'; return }
        const made = await invoke('admin_add_user', { user: { full_name: v.full_name || null, email_address: v.email_address || null, phone_number: v.phone_number || null, role: v.role } })
        toast(`Added ${made.user_identity.display_name}.`)
        openPerson(made)
      }
      drawPeople().catch(() => {})
    } catch (e) {
      err.textContent = msg(e)
    }
  })
  const body = h('div', { id: 'person-dialog', 'data-user': p ? u.user_identity_id : '' },
    h('h2', {}, p ? u.display_name : 'Add a user'),
    details,
    p ? credentials(p) : null,
    p && !ro ? signInSection(p) : null,
    h('div', { class: 'dialog-actions' }, h('button', { id: 'person-close', onclick: closeDialog }, 'Close')))
  body.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDialog() })
  $('#dialog').replaceChildren(body)
  $('#overlay').hidden = false
  if (p && !ro) loadSessions(p)
}

function confirmRemove(p) {
  const box = $('#person-remove-box')
  box.replaceChildren(
    h('span', {}, `Remove ${p.user_identity.display_name}? Their sessions, cloud keys and guest links stop at once. `),
    h('button', { type: 'button', class: 'danger', id: 'person-remove-confirm', onclick: async () => {
      try {
        await invoke('admin_remove_user', { user: p.user_identity.user_identity_id })
        toast(`Removed ${p.user_identity.display_name}.`)
        closeDialog()
        drawPeople().catch(() => {})
      } catch (e) { $('#person-error').textContent = msg(e) }
    } }, 'Yes, remove'),
    h('button', { type: 'button', onclick: () => openPerson(p) }, 'No'))
}

// ---- credentials: cloud keys and the Remote Unlock switch ---------------------------------------
function keyWindow(k) {
  const zone = k.time_zone ? ` (${k.time_zone})` : ''
  const from = k.starts_at_local ? civil(k.starts_at_local) : new Date(k.starts_at).toISOString()
  const until = k.ends_at ? (k.ends_at_local ? civil(k.ends_at_local) : new Date(k.ends_at).toISOString()) : 'open-ended'
  return `${from} → ${until}${zone}`
}

function credentials(p) {
  const u = p.user_identity
  const ro = !isAdmin()
  const sw = h('input', { type: 'checkbox', id: 'remote-unlock', role: 'switch', checked: u.remote_unlock_enabled, disabled: ro })
  const swState = h('strong', { id: 'remote-unlock-state' }, u.remote_unlock_enabled ? 'On' : 'Off')
  const swErr = h('div', { class: 'error-text', id: 'remote-unlock-error' })
  sw.addEventListener('change', async () => {
    swErr.textContent = ''
    sw.disabled = true
    try {
      const next = await invoke('admin_set_remote_unlock', { user: u.user_identity_id, enabled: sw.checked })
      toast(`Remote unlock ${next.user_identity.remote_unlock_enabled ? 'on' : 'off'} for ${next.user_identity.display_name}.`)
      openPerson(next)
      drawPeople().catch(() => {})
    } catch (e) {
      sw.checked = !sw.checked
      sw.disabled = false
      swErr.textContent = msg(e)
    }
  })
  const keys = p.cloud_keys
  return h('section', { class: 'card admin-section', id: 'credentials' },
    h('h3', {}, 'Credentials'),
    h('div', { class: 'switch-row', id: 'remote-unlock-row' },
      h('label', { class: 'switch', for: 'remote-unlock' }, sw, ' Remote unlock: ', swState),
      h('div', { class: 'muted', id: 'remote-unlock-note' }, REMOTE_UNLOCK_CONSEQUENCE,
        u.remote_unlock_enabled ? '' : ' It is off now: this user can neither unlock nor share, and their guest links open nothing.'),
      swErr),
    keys.length ? h('table', { id: 'cloud-keys' },
      h('thead', {}, h('tr', {}, ['Cloud key', 'Doors', 'Window (site time)', 'State', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, keys.map((k) => keyRow(p, k)))) : h('div', { class: 'empty', id: 'cloud-keys' }, 'No cloud key: this user cannot unlock or share.'),
    ro ? null : addKeyForm(p))
}

function keyRow(p, k) {
  const live = k.state === 'active' || k.state === 'scheduled'
  const what = [...k.whole_acs_system_ids.map((s) => `all of ${siteName(s)}`),
    ...k.acs_entrance_ids.filter((d) => !k.whole_acs_system_ids.includes((admin.doors.find((x) => x.acs_entrance_id === d) || {}).acs_system_id)).map(doorName)]
  const actions = h('td', { class: 'actions' })
  const normal = () => actions.replaceChildren(live && isAdmin() ? h('button', { class: 'danger revoke-key', onclick: confirm }, 'Revoke') : '')
  const confirm = () => actions.replaceChildren(h('span', {}, 'Revoke? '),
    h('button', { class: 'danger confirm-revoke-key', onclick: async () => {
      try {
        await invoke('admin_revoke_cloud_key', { id: k.access_method_id })
        toast(`Revoked “${k.name}”.`)
        await reopenPerson(p)
      } catch (e) { banner(msg(e), true) }
    } }, 'Yes, revoke'),
    h('button', { onclick: normal }, 'No'))
  normal()
  return h('tr', { class: 'key-row', 'data-key': k.access_method_id, 'data-name': k.name },
    h('td', {}, k.name), h('td', { class: 'key-doors' }, what.join(', ')), h('td', { class: 'key-window' }, keyWindow(k)),
    h('td', {}, h('span', { class: `badge ${k.state} key-state` }, k.state)), actions)
}

async function reopenPerson(p) {
  const rows = await invoke('admin_people', { search: null, role: null })
  const next = rows.find((r) => r.user_identity.user_identity_id === p.user_identity.user_identity_id)
  if (next) openPerson(next)
  drawPeople().catch(() => {})
}

// Add a cloud key: doors one by one or whole sites, an optional window in the site's zone. The
// preview resolves the civil times in that zone (as the share dialog does): offsets and a DST
// change inside the window are shown before the key is made.
function addKeyForm(p) {
  const err = h('div', { class: 'error-text', id: 'key-error' })
  const preview = h('div', { class: 'preview muted', id: 'key-preview' })
  const picked = () => ({
    sites: [...document.querySelectorAll('.key-site:checked')].map((i) => i.value),
    doors: [...document.querySelectorAll('.key-door:checked')].map((i) => i.value),
  })
  const zone = () => {
    const { sites, doors } = picked()
    const site = sites[0] || (admin.doors.find((d) => d.acs_entrance_id === doors[0]) || {}).acs_system_id
    return site ? siteZone(site) : (admin.sites[0] ? siteZone(admin.sites[0].acs_system_id) : 'UTC')
  }
  const update = async () => {
    err.textContent = ''
    const from = $('#key-from').value, until = $('#key-until').value
    const z = zone()
    if (!until) { preview.textContent = from ? `From ${from.replace('T', ' ')} (${z}), open-ended.` : `From now, open-ended (${z}).`; return }
    try {
      const w = await invoke('preview_window', { zone: z, window: { kind: 'between', from: from || null, until } })
      preview.textContent = `${w.starts_local} → ${w.ends_local} (${z})` + (w.crosses_dst ? ' · the clocks change in this window' : '')
    } catch (e) {
      preview.textContent = msg(e)
    }
  }
  const pick = h('div', { class: 'pick-doors', id: 'key-pick' }, admin.sites.flatMap((s) => [
    h('label', { class: 'site-pick' }, h('input', { type: 'checkbox', class: 'key-site', value: s.acs_system_id, 'data-site': s.name, onchange: (ev) => {
      for (const d of document.querySelectorAll(`.key-door[data-site-id="${s.acs_system_id}"]`)) { d.disabled = ev.target.checked; if (ev.target.checked) d.checked = false }
      update()
    } }), h('strong', {}, `All of ${s.name}`), h('span', { class: 'muted' }, siteZone(s.acs_system_id))),
    ...admin.doors.filter((d) => d.acs_system_id === s.acs_system_id).map((d) =>
      h('label', {}, h('input', { type: 'checkbox', class: 'key-door', value: d.acs_entrance_id, 'data-door': d.display_name, 'data-site-id': s.acs_system_id, onchange: update }), d.display_name)),
  ]))
  const form = h('form', { id: 'key-form' },
    h('h4', {}, 'Add a cloud key'),
    h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Name'), h('input', { id: 'key-name', placeholder: 'e.g. Phone', maxlength: 100 })),
    h('label', {}, 'Doors, or whole sites (doors added to the site later join the key)'), pick,
    h('div', { class: 'two' },
      h('div', { class: 'field' }, h('label', { for: 'key-from' }, 'Start (site time, optional)'), h('input', { id: 'key-from', type: 'datetime-local', onchange: update })),
      h('div', { class: 'field' }, h('label', { for: 'key-until' }, 'End (site time, optional)'), h('input', { id: 'key-until', type: 'datetime-local', onchange: update }))),
    preview, err,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', class: 'primary', id: 'key-add' }, 'Add cloud key')))
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    const { sites, doors } = picked()
    if (!$('#key-name').value.trim()) { err.textContent = 'Name the key.'; return }
    if (!sites.length && !doors.length) { err.textContent = 'Pick at least one door or site.'; return }
    try {
      const k = await invoke('admin_add_cloud_key', { request: {
        user: p.user_identity.user_identity_id, name: $('#key-name').value.trim(), entries: doors, sites,
        starts_at: $('#key-from').value || null, ends_at: $('#key-until').value || null,
      } })
      toast(`Added cloud key “${k.name}” (${k.state}).`)
      await reopenPerson(p)
    } catch (e) {
      err.textContent = msg(e)
    }
  })
  setTimeout(update, 0)
  return form
}

// ---- sign-in codes and sessions -------------------------------------------------------------
function signInSection(p) {
  const u = p.user_identity
  const issued = h('div', { id: 'signin-issued' })
  return h('section', { class: 'card admin-section', id: 'signin-section' },
    h('h3', {}, 'Sign-in for a phone or desk'),
    h('p', { class: 'muted' }, `A sign-in code lets ${u.display_name} sign in to the Ajar app or CLI. It is shown once: nobody can see it again.`),
    h('div', { class: 'dialog-actions left' }, h('button', { class: 'primary', id: 'signin-issue', onclick: async () => {
      try {
        const got = await invoke('admin_issue_sign_in', { user: u.user_identity_id })
        showCode(issued, got)
        loadSessions(p)
      } catch (e) { issued.replaceChildren(h('div', { class: 'error-text' }, msg(e))) }
    } }, 'Issue a sign-in code')),
    issued,
    h('h4', {}, 'Sessions'),
    h('div', { id: 'sessions' }, h('div', { class: 'empty' }, 'Loading…')))
}

// The code and its QR, until "Done": then they leave the DOM (the app kept no copy).
function showCode(box, got) {
  const qr = h('img', { class: 'qr', id: 'signin-qr', alt: 'QR of the sign-in code', src: 'data:image/svg+xml;base64,' + btoa(got.qr_svg) })
  box.replaceChildren(h('div', { class: 'secret-box', id: 'signin-secret' },
    h('div', { class: 'sheet' }, qr, h('div', {},
      h('strong', {}, `Sign-in code for ${got.user.display_name}`),
      h('p', { class: 'muted' }, 'Shown once. Scan it with the phone, or paste it into "Token or sign-in code". Valid until ' + new Date(got.client_session.expires_at).toLocaleString() + '.'),
      h('textarea', { id: 'signin-code', readonly: true, rows: 4, spellcheck: 'false' }, got.code),
      h('div', { class: 'dialog-actions left' }, h('button', { id: 'signin-done', class: 'primary', onclick: () => box.replaceChildren() }, 'Done: hide it'))))))
  box.scrollIntoView({ block: 'center' })
}

async function loadSessions(p) {
  const box = $('#sessions')
  if (!box) return
  let rows
  try { rows = await invoke('admin_sessions', { user: p.user_identity.user_identity_id }) } catch (e) { box.replaceChildren(h('div', { class: 'error-text' }, msg(e))); return }
  const live = rows.filter((s) => !s.revoked_at && Date.parse(s.expires_at) > Date.now())
  if (!live.length) { box.replaceChildren(h('div', { class: 'empty' }, 'No live session.')); return }
  box.replaceChildren(h('table', { id: 'sessions-table' },
    h('thead', {}, h('tr', {}, ['Issued', 'Expires', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, live.map((s) => h('tr', { class: 'session-row', 'data-session': s.client_session_id },
      h('td', {}, new Date(s.created_at).toLocaleString()), h('td', {}, new Date(s.expires_at).toLocaleString()),
      h('td', { class: 'actions' }, h('button', { class: 'danger revoke-session', onclick: async () => {
        try { await invoke('admin_revoke_session', { id: s.client_session_id }); toast('Session revoked.'); loadSessions(p) } catch (e) { banner(msg(e), true) }
      } }, 'Revoke')))))))
}

// ---- sites and doors -----------------------------------------------------------------------
const zones = () => (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [])

async function renderSites(view) {
  $('#view-actions').append(h('button', { id: 'site-add', class: 'primary', onclick: () => siteForm(null) }, 'Add site…'))
  view.append(h('datalist', { id: 'zones' }, zones().map((z) => h('option', { value: z }))), h('div', { id: 'sites' }))
  await drawSites()
}

async function drawSites() {
  await loadPlaces()
  const box = $('#sites')
  if (!box) return
  if (!admin.sites.length) { box.replaceChildren(h('div', { class: 'empty' }, 'No site yet.')); return }
  box.replaceChildren(...admin.sites.map((s) => h('section', { class: 'card admin-section site-card', 'data-site': s.name },
    h('div', { class: 'site-head' }, h('h3', {}, s.name), h('span', { class: 'muted' }, siteZone(s.acs_system_id)),
      h('button', { class: 'edit-site', onclick: () => siteForm(s) }, 'Edit'),
      h('button', { class: 'add-door', onclick: () => doorForm(s, null) }, 'Add door…')),
    h('table', {}, h('thead', {}, h('tr', {}, ['Door', 'Driver', 'Online', 'Cloud key unlock', 'Relock pulse', 'Lockdown', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, admin.doors.filter((d) => d.acs_system_id === s.acs_system_id).map((d) => {
        const m = d.ajar_metadata
        return h('tr', { class: 'door-row', 'data-door': d.display_name },
          h('td', {}, d.display_name), h('td', { class: 'driver' }, m.driver),
          h('td', {}, h('span', { class: `badge ${m.is_online ? 'active' : 'offline'} online` }, m.is_online ? 'online' : 'offline')),
          h('td', { class: 'cloud' }, d.can_unlock_with_cloud_key ? 'allowed' : 'not allowed'),
          h('td', { class: 'pulse' }, `${(m.relock_pulse_ms / 1000).toFixed(1)} s`),
          h('td', {}, m.is_in_lockdown ? h('span', { class: 'badge lockdown' }, 'lockdown') : '—'),
          h('td', { class: 'actions' }, h('button', { class: 'edit-door', onclick: () => doorForm(s, d) }, 'Edit')))
      }))))))
}

function dialog(id, title, fields, submit) {
  const err = h('div', { class: 'error-text', id: `${id}-error` })
  const form = h('form', { id }, h('h2', {}, title), fields, err,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: closeDialog }, 'Cancel'), h('button', { type: 'submit', class: 'primary', id: `${id}-save` }, 'Save')))
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    try { await submit(); closeDialog(); await drawSites() } catch (e) { err.textContent = msg(e) }
  })
  form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDialog() })
  $('#dialog').replaceChildren(form)
  $('#overlay').hidden = false
  form.querySelector('input').focus()
}

function siteForm(s) {
  dialog('site-form', s ? `Edit ${s.name}` : 'Add a site', [
    field('site-name', 'Name', h('input', { value: s ? s.name : '', maxlength: 200 })),
    field('site-zone', 'Time zone (IANA, e.g. Europe/Berlin): windows and times of this site are in it', h('input', { value: s ? siteZone(s.acs_system_id) : Intl.DateTimeFormat().resolvedOptions().timeZone, list: 'zones', autocomplete: 'off' })),
  ], async () => {
    const name = $('#site-name').value.trim(), zone = $('#site-zone').value.trim()
    if (s) await invoke('admin_edit_site', { site: s.acs_system_id, name: name !== s.name ? name : null, timeZone: zone !== siteZone(s.acs_system_id) ? zone : null })
    else await invoke('admin_add_site', { name, timeZone: zone })
    toast(s ? `Saved ${name}.` : `Added ${name}.`)
  })
}

function doorForm(s, d) {
  const m = d ? d.ajar_metadata : { relock_pulse_ms: 5000, is_in_lockdown: false }
  dialog('door-form', d ? `Edit ${d.display_name}` : `Add a door to ${s.name}`, [
    field('door-name', 'Name', h('input', { value: d ? d.display_name : '', maxlength: 200 })),
    h('label', {}, h('input', { type: 'checkbox', id: 'door-cloud', checked: d ? d.can_unlock_with_cloud_key : true }), ' Cloud-key unlock allowed'),
    field('door-pulse', 'Relock pulse (seconds the door stays open)', h('input', { type: 'number', min: 0.5, max: 60, step: 0.5, value: m.relock_pulse_ms / 1000 })),
    h('label', {}, h('input', { type: 'checkbox', id: 'door-lockdown', checked: m.is_in_lockdown }), ' Lockdown (blocks every remote unlock of this door)'),
  ], async () => {
    const v = { name: $('#door-name').value.trim(), can_unlock_with_cloud_key: $('#door-cloud').checked, relock_pulse_ms: Math.round(Number($('#door-pulse').value) * 1000), is_in_lockdown: $('#door-lockdown').checked }
    if (d) await invoke('admin_edit_door', { door: d.acs_entrance_id, changes: v })
    else await invoke('admin_add_door', { door: { site: s.acs_system_id, ...v } })
    toast(d ? `Saved ${v.name}.` : `Added ${v.name}.`)
  })
}

// ---- API keys ------------------------------------------------------------------------------
async function renderApiKeys(view) {
  const name = h('input', { id: 'apikey-name', placeholder: 'What it is for, e.g. Booking system', maxlength: 100 })
  const err = h('div', { class: 'error-text', id: 'apikey-error' })
  const created = h('div', { id: 'apikey-created' })
  const form = h('form', { class: 'card narrow', id: 'apikey-form' }, h('label', { for: 'apikey-name' }, 'New API key for an integration (acts as admin for the whole workspace)'),
    h('div', { class: 'url-row' }, name, h('button', { type: 'submit', class: 'primary', id: 'apikey-create' }, 'Create')), err)
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    if (!name.value.trim()) { err.textContent = 'Name the key.'; return }
    try {
      const k = await invoke('admin_create_api_key', { name: name.value.trim() })
      name.value = ''
      created.replaceChildren(h('div', { class: 'secret-box card', id: 'apikey-secret' },
        h('strong', {}, `API key “${k.name}”`),
        h('p', { class: 'muted' }, 'Shown once: copy it into the integration now. Ajar keeps only its hash.'),
        h('input', { id: 'apikey-token', readonly: true, value: k.token, class: 'mono' }),
        h('div', { class: 'dialog-actions left' }, h('button', { class: 'primary', id: 'apikey-done', onclick: () => created.replaceChildren() }, 'Done: hide it'))))
      $('#apikey-token').select()
      await drawApiKeys()
    } catch (e) { err.textContent = msg(e) }
  })
  view.append(form, created, h('h3', {}, 'Keys'), h('div', { id: 'apikeys' }))
  await drawApiKeys()
}

async function drawApiKeys() {
  const rows = await invoke('admin_api_keys')
  const box = $('#apikeys')
  if (!box) return
  if (!rows.length) { box.replaceChildren(h('div', { class: 'empty' }, 'No API key.')); return }
  box.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, ['Name', 'Key starts with', 'Created', 'State', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.map((k) => {
      const actions = h('td', { class: 'actions' })
      const normal = () => actions.replaceChildren(k.revoked_at ? '' : h('button', { class: 'danger revoke-apikey', onclick: confirm }, 'Revoke'))
      const confirm = () => actions.replaceChildren(h('span', {}, 'Revoke? Integrations using it stop at once. '),
        h('button', { class: 'danger confirm-revoke-apikey', onclick: async () => {
          try { await invoke('admin_revoke_api_key', { id: k.api_key_id }); toast(`Revoked “${k.name}”.`); await drawApiKeys() } catch (e) { banner(msg(e), true) }
        } }, 'Yes, revoke'), h('button', { onclick: normal }, 'No'))
      normal()
      return h('tr', { class: 'apikey-row', 'data-name': k.name },
        h('td', {}, k.name), h('td', {}, h('code', {}, `${k.token_prefix}…`)), h('td', {}, new Date(k.created_at).toLocaleString()),
        h('td', {}, h('span', { class: `badge ${k.revoked_at ? 'revoked' : 'active'} apikey-state` }, k.revoked_at ? 'revoked' : 'active')), actions)
    }))))
}
