// Ajar guest page. The link's token lives in the URL fragment, which browsers never send to a
// server. Loading this page changes nothing: it POSTs the token to read the link, and opens a
// door only on a tap, with an idempotency key per tap so double taps and retries open it once.
(function () {
  'use strict';
  var app = document.getElementById('app');
  var token = (location.hash || '').replace(/^#/, '').replace(/^k=/, '');
  var view = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  function clear() { while (app.firstChild) app.removeChild(app.firstChild); }
  function fmt(iso, tz) {
    try {
      return new Intl.DateTimeFormat(undefined, { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) + ' (' + tz + ')';
    } catch (e) { return iso; }
  }
  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }
  function post(path, body, idem) {
    var h = { 'Content-Type': 'application/json' };
    if (idem) h['Idempotency-Key'] = idem;
    return fetch(path, { method: 'POST', headers: h, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); });
  }
  function notice(title, text) {
    clear();
    app.appendChild(el('h1', null, title));
    var n = el('div', 'notice'); n.setAttribute('role', 'status');
    n.appendChild(el('p', null, text)); app.appendChild(n);
  }
  var who = function () { return view ? view.issuer_name : 'the person who sent it'; };
  var REASONS = {
    guest_link_revoked: function () { return 'This link has been revoked. Ask ' + who() + ' if you still need access.'; },
    guest_link_expired: function () { return 'This link has expired. Ask ' + who() + ' for a new one.'; },
    guest_link_used_up: function () { return 'This link has been used as many times as allowed. Ask ' + who() + ' for a new one.'; },
    guest_link_not_yet_valid: function () { return 'This link is not valid yet. It starts ' + fmt(view.starts_at, view.time_zone) + '.'; },
    guest_link_issuer_lost_access: function () { return who() + ' can no longer open this door, so this link cannot either.'; },
    guest_link_entrance_not_shared: function () { return 'This door is not shared with you.'; },
    entrance_in_lockdown: function () { return 'This door is in lockdown. Nobody can open it remotely right now.'; },
    entrance_not_cloud_key_enabled: function () { return 'This door cannot be opened remotely.'; },
    rate_limited: function () { return 'Too many tries. Wait a moment, then tap again.'; },
    guest_link_not_found: function () { return 'This link is not valid. Ask the person who sent it for a new one.'; }
  };
  function reason(type, fallback) { return REASONS[type] ? REASONS[type]() : (fallback || 'The door did not open. Try again.'); }

  function render() {
    clear();
    var v = view;
    if (v.state === 'revoked') return notice('Link revoked', reason('guest_link_revoked'));
    if (v.state === 'expired') return notice('Link expired', reason('guest_link_expired'));
    if (v.state === 'used_up') return notice('Link used up', reason('guest_link_used_up'));
    app.appendChild(el('h1', null, v.state === 'scheduled' ? 'Not valid yet' : 'Tap a door to open it'));
    app.appendChild(el('p', 'meta', 'Shared by ' + v.issuer_name));
    if (v.description) app.appendChild(el('p', 'desc', v.description));
    if (v.state === 'scheduled') {
      app.appendChild(el('p', 'meta', 'This link works from ' + fmt(v.starts_at, v.time_zone) + ' until ' + fmt(v.ends_at, v.time_zone) + '.'));
    } else {
      app.appendChild(el('p', 'meta', 'Valid until ' + fmt(v.ends_at, v.time_zone) + (v.uses_left != null ? ' · ' + v.uses_left + ' use' + (v.uses_left === 1 ? '' : 's') + ' left' : '')));
    }
    var list = el('ul');
    list.setAttribute('aria-label', 'Doors');
    v.entrances.forEach(function (d) { list.appendChild(door(d, v.state !== 'active')); });
    app.appendChild(list);
  }

  function door(d, disabled) {
    var li = el('li');
    var b = el('button', 'door');
    b.type = 'button';
    var name = el('span', null, d.display_name);
    var st = el('span', 'state', disabled ? 'Not available yet' : 'Tap to open');
    b.appendChild(name); b.appendChild(st);
    b.disabled = !!disabled;
    b.setAttribute('aria-label', d.display_name + ': ' + st.textContent);
    // While a tap is in flight or the door is open, the button is aria-disabled rather than
    // disabled: a disabled button drops keyboard focus to <body>. `busy` ignores further taps.
    var busy = false, timer = null;
    function hold(on) {
      busy = on;
      if (on) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
    }
    function show(text, cls) {
      st.textContent = text;
      b.className = 'door' + (cls ? ' ' + cls : '');
      b.setAttribute('aria-label', d.display_name + ': ' + text);
    }
    function countdown(until) {
      clearInterval(timer);
      function tick() {
        var left = Math.ceil((new Date(until).getTime() - Date.now()) / 1000);
        if (left <= 0) { clearInterval(timer); show('Locked again · tap to open'); hold(false); return; }
        show('Open · locks in ' + left + ' s', 'open');
      }
      tick(); timer = setInterval(tick, 500);
    }
    b.addEventListener('click', function () {
      if (busy) return;
      hold(true);
      show('Opening…');
      var idem = key(), tries = 0;
      (function attempt() {
        post('/g/api/unlock', { token: token, acs_entrance_id: d.acs_entrance_id }, idem).then(function (r) {
          var a = r.body && r.body.action_attempt;
          if (r.status === 200 && a && a.status === 'success') {
            countdown(r.body.unlocked_until || new Date(Date.now() + d.relock_pulse_ms).toISOString());
            return;
          }
          var type = a && a.error ? a.error.type : (r.body && r.body.error ? r.body.error.type : '');
          var msg = a && a.error ? a.error.message : (r.body && r.body.error ? r.body.error.message : '');
          show(reason(type, msg), 'err');
          hold(false);
        }, function () {
          if (++tries < 3) return setTimeout(attempt, 800 * tries);
          show('No connection. Tap to try again.', 'err');
          hold(false);
        });
      })();
    });
    li.appendChild(b);
    return li;
  }

  if (!/^[0-9A-Za-z]{20,100}$/.test(token)) {
    notice('Link incomplete', 'This link is missing its code. Open the whole link you were sent.');
    return;
  }
  post('/g/api/view', { token: token }).then(function (r) {
    if (r.status === 200) { view = r.body.guest_link; render(); return; }
    var e = r.body && r.body.error ? r.body.error : {};
    notice(r.status === 429 ? 'Please wait' : 'Link not valid', reason(e.type, e.message));
  }, function () { notice('No connection', 'Could not reach the server. Check your connection and reload.'); });
})();
