"""Seam Python SDK compatibility suite for ajar-server.

Drives the official PyPI package ``seam`` (pinned to 3.18.0, the GET/DELETE + query-string
generation) against a real ``ajar-server`` started once per session on 127.0.0.1 with a
fresh data directory. The SDK is used unchanged: ``Seam(api_key=..., endpoint=url)``.

Ajar's admin routes (``/acs/systems/create``, ``/acs/entrances/create|update``) have no
SDK method, so sites and doors are created with plain HTTP calls before the SDK is driven.

Run with ``scripts/test-sdk`` or ``.venv/bin/python -m pytest -q tests/sdk/python``.
Environment: ``AJAR_SERVER_BIN`` overrides the server binary (default:
``<repo>/target/debug/ajar-server``, built with cargo when missing).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import seam as seam_pkg
from seam import (
    Seam,
    SeamActionAttemptFailedError,
    SeamHttpApiError,
    SeamHttpInvalidInputError,
    SeamHttpUnauthorizedError,
    SeamInvalidTokenError,
)

REPO = Path(__file__).resolve().parents[3]
SDK_VERSION = "3.18.0"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def random_key(prefix: str = "seam_testkey_") -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(32))


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Raw:
    """Plain HTTP client (urllib) for Ajar's admin routes and for reading raw JSON."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token

    def call(
        self,
        path: str,
        body: Optional[Dict[str, Any]] = None,
        *,
        method: str = "POST",
        query: Optional[Dict[str, Any]] = None,
        token: Optional[str] = None,
    ) -> tuple[int, Any]:
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token or self.token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            payload = e.read()
            return e.code, json.loads(payload) if payload else None

    def ok(self, path: str, body: Optional[Dict[str, Any]] = None, **kw) -> Any:
        status, payload = self.call(path, body, **kw)
        assert status == 200, f"{path} -> {status} {payload}"
        assert payload["ok"] is True
        return payload


def server_binary() -> Path:
    env = os.environ.get("AJAR_SERVER_BIN")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    binary = target / "debug" / "ajar-server"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-p", "ajar-server"], cwd=REPO, check=True)
    return binary


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, api_key: str, proc: subprocess.Popen, log: Path):
        self.url = url
        self.api_key = api_key
        self.proc = proc
        self.log = log


@pytest.fixture(scope="session")
def server():
    binary = server_binary()
    base = Path(tempfile.mkdtemp(prefix="ajar-sdk-py-"))
    data_dir = base / "data"
    log_path = base / "server.log"
    api_key = random_key()
    env = dict(os.environ, AJAR_BOOTSTRAP_API_KEY=api_key, NO_COLOR="1")
    env.pop("AJAR_LISTEN", None)
    env.pop("AJAR_DATA_DIR", None)
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
    )
    ready: Dict[str, str] = {}
    got_line = threading.Event()

    def read_stdout():
        assert proc.stdout is not None
        for raw_line in proc.stdout:
            line = raw_line.decode(errors="replace").strip()
            if line.startswith("ajar-server listening on ") and "url" not in ready:
                ready["url"] = line.rsplit(" ", 1)[1].rstrip("/")
                got_line.set()
        got_line.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    try:
        if not got_line.wait(60) or "url" not in ready:
            proc.kill()
            raise RuntimeError(
                f"ajar-server did not report its address; log: {log_path.read_text(errors='replace')[-4000:]}"
            )
        yield Server(ready["url"], api_key, proc, log_path)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def raw(server) -> Raw:
    return Raw(server.url, server.api_key)


@pytest.fixture(scope="session")
def seam(server) -> Seam:
    client = Seam(api_key=server.api_key, endpoint=server.url)
    yield client
    client.close()


class Site:
    """One site with three doors: two open with a cloud key, one does not."""

    def __init__(self, raw: Raw):
        self.acs_system = raw.ok(
            "/acs/systems/create", {"name": "SDK Test HQ", "time_zone": "Europe/Paris"}
        )["acs_system"]
        self.acs_system_id = self.acs_system["acs_system_id"]

        def door(name: str, cloud: bool) -> Dict[str, Any]:
            return raw.ok(
                "/acs/entrances/create",
                {
                    "acs_system_id": self.acs_system_id,
                    "display_name": name,
                    "can_unlock_with_cloud_key": cloud,
                    "relock_pulse_ms": 1000,
                },
            )["acs_entrance"]

        self.main = door("Main Entrance", True)
        self.side = door("Side Door", True)
        self.server_room = door("Server Room", False)


@pytest.fixture(scope="session")
def site(raw) -> Site:
    return Site(raw)


def new_user(seam: Seam, name: str = "Test User", **kw):
    return seam.user_identities.create(full_name=f"{name} {uuid.uuid4().hex[:8]}", **kw)


def cloud_key_grant(seam: Seam, user_identity_id: str, entrance_ids, **kw):
    return seam.access_grants.create(
        user_identity_id=user_identity_id,
        acs_entrance_ids=list(entrance_ids),
        requested_access_methods=[{"mode": "cloud_key"}],
        **kw,
    )


def session_client(server: Server, token: str) -> Seam:
    """A Seam client that authenticates with a client session token.

    The Python SDK only accepts API keys and personal access tokens (it refuses ``seam_cst``
    tokens as ``api_key``), so the client is built with the API key and its headers are then
    switched to the session token, exactly as the JS SDK's ``fromClientSessionToken`` sends
    them (``Authorization: Bearer seam_cst…`` plus ``client-session-token``).
    """

    client = Seam(api_key=server.api_key, endpoint=server.url)
    client.client.headers["authorization"] = f"Bearer {token}"
    client.client.headers["client-session-token"] = token
    return client


# --------------------------------------------------------------------------------------
# sanity
# --------------------------------------------------------------------------------------


def test_sdk_version_is_pinned():
    from importlib.metadata import version

    assert version("seam") == SDK_VERSION
    assert hasattr(seam_pkg, "Seam")


# --------------------------------------------------------------------------------------
# (a) the "Using Cloud Keys" guide, SDK calls as written in the guide
# --------------------------------------------------------------------------------------


def test_using_cloud_keys_guide(seam, raw, site):
    user = new_user(seam, "Guide User", email_address="guide@example.com")
    started = now_utc() - dt.timedelta(seconds=5)

    # Step 1: verify entrance support.
    entrances = seam.acs.entrances.list(acs_system_id=site.acs_system_id)
    assert {e.acs_entrance_id for e in entrances} == {
        site.main["acs_entrance_id"],
        site.side["acs_entrance_id"],
        site.server_room["acs_entrance_id"],
    }
    assert all(e.acs_system_id == site.acs_system_id for e in entrances)
    cloud_key_entrances = [e for e in entrances if e.can_unlock_with_cloud_key]
    assert {e.acs_entrance_id for e in cloud_key_entrances} == {
        site.main["acs_entrance_id"],
        site.side["acs_entrance_id"],
    }
    no_cloud = [e for e in entrances if e.acs_entrance_id == site.server_room["acs_entrance_id"]]
    assert no_cloud[0].can_unlock_with_cloud_key is False

    # Step 2: create an access grant with a cloud key.
    access_grant = seam.access_grants.create(
        user_identity_id=user.user_identity_id,
        acs_entrance_ids=[e.acs_entrance_id for e in cloud_key_entrances],
        requested_access_methods=[{"mode": "cloud_key"}],
    )
    assert access_grant.user_identity_id == user.user_identity_id
    assert len(access_grant.access_method_ids) == 1
    assert [m.mode for m in access_grant.requested_access_methods] == ["cloud_key"]
    assert access_grant.requested_access_methods[0].created_access_method_ids == (
        access_grant.access_method_ids
    )
    access_method = seam.access_methods.get(access_method_id=access_grant.access_method_ids[0])
    assert access_method.mode == "cloud_key"
    assert access_method.is_issued is True

    # Step 3: see which doors the access method covers.
    related = seam.access_methods.get_related(
        access_method_ids=[access_method.access_method_id]
    )
    assert related.acs_entrances is not None
    assert {e["acs_entrance_id"] for e in related.acs_entrances} == {
        e.acs_entrance_id for e in cloud_key_entrances
    }

    # Step 4: unlock the entrance.
    action_attempt = seam.access_methods.unlock_door(
        access_method_id=access_method.access_method_id,
        acs_entrance_id=site.main["acs_entrance_id"],
    )
    assert action_attempt.action_type == "UNLOCK_DOOR"
    assert action_attempt.status == "success"
    assert action_attempt.error is None
    assert action_attempt.result.was_confirmed_by_device is True

    # The unlock is attributed to the user identity in the audit trail. Typed event classes
    # drop the (schema-"undocumented") user_identity_id, so the raw JSON is read, GET style.
    payload = raw.ok(
        "/events/list",
        method="GET",
        query={
            "event_types": ["lock.unlocked", "action_attempt.unlock_door.succeeded"],
            "since": iso(started),
            "user_identity_id": user.user_identity_id,
        },
    )
    by_type = {}
    for ev in payload["events"]:
        if ev.get("action_attempt_id") == action_attempt.action_attempt_id:
            by_type[ev["event_type"]] = ev
    unlocked = by_type["lock.unlocked"]
    assert unlocked["user_identity_id"] == user.user_identity_id
    assert unlocked["acs_entrance_id"] == site.main["acs_entrance_id"]
    assert unlocked["method"] == "remote"
    assert unlocked["connected_account_id"]
    succeeded = by_type["action_attempt.unlock_door.succeeded"]
    assert succeeded["status"] == "success"
    assert succeeded["action_type"] == "UNLOCK_DOOR"

    # The same events through the SDK's typed events.list.
    typed = seam.events.list(user_identity_id=user.user_identity_id, event_type="lock.unlocked")
    assert [e.action_attempt_id for e in typed] == [action_attempt.action_attempt_id]
    assert typed[0].method == "remote"
    ev = seam.events.get(event_id=unlocked["event_id"])
    assert ev.event_type == "lock.unlocked"


# --------------------------------------------------------------------------------------
# (b) broad coverage
# --------------------------------------------------------------------------------------


def test_acs_systems_and_entrances(seam, site):
    systems = seam.acs.systems.list()
    assert site.acs_system_id in [s.acs_system_id for s in systems]
    system = seam.acs.systems.get(acs_system_id=site.acs_system_id)
    assert system.name == "SDK Test HQ"
    assert system.location.time_zone == "Europe/Paris"
    assert system.connected_account_id in system.connected_account_ids
    assert [s.name for s in seam.acs.systems.list(search="SDK Test")] == ["SDK Test HQ"]

    door = seam.acs.entrances.get(acs_entrance_id=site.side["acs_entrance_id"])
    assert door.display_name == "Side Door"
    assert door.can_unlock_with_cloud_key is True
    assert door.errors == [] and door.warnings == []

    # One-element and two-element arrays in the query string.
    one = seam.acs.entrances.list(acs_entrance_ids=[site.main["acs_entrance_id"]])
    assert [e.acs_entrance_id for e in one] == [site.main["acs_entrance_id"]]
    two = seam.acs.entrances.list(
        acs_entrance_ids=[site.main["acs_entrance_id"], site.server_room["acs_entrance_id"]]
    )
    assert {e.acs_entrance_id for e in two} == {
        site.main["acs_entrance_id"],
        site.server_room["acs_entrance_id"],
    }
    assert [e.display_name for e in seam.acs.entrances.list(search="Server Room")] == [
        "Server Room"
    ]


def test_user_identities_crud(seam):
    key = f"uikey-{uuid.uuid4().hex}"
    created = seam.user_identities.create(
        full_name="Crud Person",
        email_address="crud@example.com",
        phone_number="+15555550100",
        user_identity_key=key,
    )
    uid = created.user_identity_id
    assert uuid.UUID(uid)
    assert created.full_name == "Crud Person"
    assert created.email_address == "crud@example.com"
    assert created.user_identity_key == key
    assert created.display_name

    assert seam.user_identities.get(user_identity_id=uid).email_address == "crud@example.com"
    assert seam.user_identities.get(user_identity_key=key).user_identity_id == uid

    listed = seam.user_identities.list(user_identity_ids=[uid])
    assert [u.user_identity_id for u in listed] == [uid]
    assert uid in [u.user_identity_id for u in seam.user_identities.list(search="Crud Person")]

    assert seam.user_identities.update(user_identity_id=uid, full_name="Crud Renamed") is None
    again = seam.user_identities.get(user_identity_id=uid)
    assert again.full_name == "Crud Renamed"
    assert again.email_address == "crud@example.com"  # untouched by the partial update

    assert seam.user_identities.delete(user_identity_id=uid) is None
    with pytest.raises(SeamHttpApiError) as err:
        seam.user_identities.get(user_identity_id=uid)
    assert err.value.code == "user_identity_not_found"
    assert err.value.status_code == 404
    assert uid not in [u.user_identity_id for u in seam.user_identities.list(user_identity_ids=[uid])]


def test_access_grants_get_list_update_delete(seam, site):
    user = new_user(seam, "Grant User")
    grant = cloud_key_grant(
        seam, user.user_identity_id, [site.main["acs_entrance_id"]], name="Original name"
    )
    gid = grant.access_grant_id

    got = seam.access_grants.get(access_grant_id=gid)
    assert got.access_grant_id == gid
    assert got.name == "Original name"
    assert got.access_method_ids == grant.access_method_ids

    assert [g.access_grant_id for g in seam.access_grants.list(user_identity_id=user.user_identity_id)] == [gid]
    assert gid in [g.access_grant_id for g in seam.access_grants.list(acs_entrance_id=site.main["acs_entrance_id"])]
    assert gid not in [g.access_grant_id for g in seam.access_grants.list(acs_entrance_id=site.side["acs_entrance_id"])]
    assert gid in [g.access_grant_id for g in seam.access_grants.list(acs_system_id=site.acs_system_id)]

    ends = iso(now_utc() + dt.timedelta(days=7))
    assert seam.access_grants.update(access_grant_id=gid, name="Renamed", ends_at=ends) is None
    updated = seam.access_grants.get(access_grant_id=gid)
    assert updated.name == "Renamed"
    assert updated.ends_at is not None
    assert dt.datetime.fromisoformat(updated.ends_at.replace("Z", "+00:00")) == dt.datetime.fromisoformat(
        ends.replace("Z", "+00:00")
    )

    related = seam.access_grants.get_related(access_grant_ids=[gid])
    assert [m["access_method_id"] for m in related.access_methods] == grant.access_method_ids
    assert [e["acs_entrance_id"] for e in related.acs_entrances] == [site.main["acs_entrance_id"]]

    assert seam.access_grants.delete(access_grant_id=gid) is None
    with pytest.raises(SeamHttpApiError) as err:
        seam.access_grants.get(access_grant_id=gid)
    assert err.value.code == "access_grant_not_found"
    assert err.value.status_code == 404
    assert seam.access_grants.list(user_identity_id=user.user_identity_id) == []


def test_access_grant_with_inline_user_identity(seam, site):
    email = f"inline-{uuid.uuid4().hex[:8]}@example.com"
    grant = seam.access_grants.create(
        user_identity={"full_name": "Inline Person", "email_address": email},
        acs_entrance_ids=[site.side["acs_entrance_id"]],
        requested_access_methods=[{"mode": "cloud_key"}],
    )
    user = seam.user_identities.get(user_identity_id=grant.user_identity_id)
    assert user.email_address == email
    assert len(grant.access_method_ids) == 1


def test_access_methods_list_get_delete(seam, site):
    user = new_user(seam, "Method User")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"], site.side["acs_entrance_id"]])
    mid = grant.access_method_ids[0]

    methods = seam.access_methods.list(access_grant_id=grant.access_grant_id)
    assert [m.access_method_id for m in methods] == [mid]
    assert methods[0].mode == "cloud_key"
    assert mid in [m.access_method_id for m in seam.access_methods.list(acs_entrance_id=site.side["acs_entrance_id"])]

    got = seam.access_methods.get(access_method_id=mid)
    assert got.access_method_id == mid
    assert got.display_name
    assert got.issued_at is not None

    with pytest.raises(ValueError):  # SDK-side check: one filter is required
        seam.access_methods.list()

    assert seam.access_methods.delete(access_method_id=mid) is None
    with pytest.raises(SeamHttpApiError) as err:
        seam.access_methods.get(access_method_id=mid)
    assert err.value.code == "access_method_not_found"
    assert err.value.status_code == 404
    assert seam.access_methods.list(access_grant_id=grant.access_grant_id) == []

    # Delete by access_grant_id removes every method of the grant.
    grant2 = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]])
    assert seam.access_methods.delete(access_grant_id=grant2.access_grant_id) is None
    assert seam.access_methods.list(access_grant_id=grant2.access_grant_id) == []


def test_action_attempts_get_list(seam, site):
    user = new_user(seam, "Attempt User")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]])
    ok = seam.access_methods.unlock_door(
        access_method_id=grant.access_method_ids[0], acs_entrance_id=site.main["acs_entrance_id"]
    )
    with pytest.raises(SeamActionAttemptFailedError) as failed:
        seam.access_methods.unlock_door(
            access_method_id=grant.access_method_ids[0],
            acs_entrance_id=site.side["acs_entrance_id"],  # not in the grant
        )
    bad_id = failed.value.action_attempt.action_attempt_id

    got = seam.action_attempts.get(action_attempt_id=ok.action_attempt_id)
    assert got.status == "success"
    assert got.action_type == "UNLOCK_DOOR"
    assert got.result.was_confirmed_by_device is True

    # By default the SDK's action_attempts.get waits and raises on an error attempt.
    with pytest.raises(SeamActionAttemptFailedError) as again:
        seam.action_attempts.get(action_attempt_id=bad_id)
    assert again.value.code == "entrance_not_in_access_grant"
    bad = seam.action_attempts.get(action_attempt_id=bad_id, wait_for_action_attempt=False)
    assert bad.status == "error"
    assert bad.error.type == "entrance_not_in_access_grant"

    listed = seam.action_attempts.list(action_attempt_ids=[ok.action_attempt_id, bad_id])
    assert {a.action_attempt_id: a.status for a in listed} == {
        ok.action_attempt_id: "success",
        bad_id: "error",
    }
    one = seam.action_attempts.list(action_attempt_ids=[bad_id])
    assert [a.action_attempt_id for a in one] == [bad_id]
    page = seam.action_attempts.list(limit=1)
    assert len(page) == 1
    assert page.pagination["has_next_page"] is True


def test_client_session_create_via_sdk(seam):
    """client_sessions.create through the SDK (it sends PUT /client_sessions/create)."""

    user = new_user(seam, "Session Sdk User")
    session = seam.client_sessions.create(user_identity_id=user.user_identity_id)
    assert session.token.startswith("seam_cst")
    assert session.user_identity_id == user.user_identity_id


def test_client_sessions_get_list_revoke_and_token(server, seam, raw, site):
    """Session management through the SDK and a member acting with its session token.

    The session is minted with a plain POST so that this test checks get/list/revoke and
    token use independently of test_client_session_create_via_sdk (the SDK's PUT).
    """

    member = new_user(seam, "Session Member")
    other = new_user(seam, "Session Other")
    mine = cloud_key_grant(seam, member.user_identity_id, [site.main["acs_entrance_id"]])
    theirs = cloud_key_grant(seam, other.user_identity_id, [site.side["acs_entrance_id"]])

    cs = raw.ok("/client_sessions/create", {"user_identity_id": member.user_identity_id})[
        "client_session"
    ]
    token = cs["token"]
    assert token.startswith("seam_cst")
    with pytest.raises(SeamInvalidTokenError):  # the SDK refuses a CST as an API key
        Seam(api_key=token, endpoint=server.url)

    got = seam.client_sessions.get(client_session_id=cs["client_session_id"])
    assert got.client_session_id == cs["client_session_id"]
    assert got.user_identity_id == member.user_identity_id
    listed = seam.client_sessions.list(user_identity_id=member.user_identity_id)
    assert [s.client_session_id for s in listed] == [cs["client_session_id"]]

    as_member = session_client(server, token)
    try:
        doors = as_member.acs.entrances.list()
        assert [d.acs_entrance_id for d in doors] == [site.main["acs_entrance_id"]]
        assert [g.access_grant_id for g in as_member.access_grants.list()] == [mine.access_grant_id]
        attempt = as_member.access_methods.unlock_door(
            access_method_id=mine.access_method_ids[0], acs_entrance_id=site.main["acs_entrance_id"]
        )
        assert attempt.status == "success"
        with pytest.raises(SeamHttpApiError) as err:
            as_member.access_methods.unlock_door(
                access_method_id=theirs.access_method_ids[0],
                acs_entrance_id=site.side["acs_entrance_id"],
            )
        assert err.value.code == "access_method_not_found"
        assert err.value.status_code == 404

        unlocked = raw.ok(
            "/events/list",
            method="GET",
            query={"event_type": "lock.unlocked", "user_identity_id": member.user_identity_id},
        )["events"]
        assert [e["action_attempt_id"] for e in unlocked] == [attempt.action_attempt_id]
        assert unlocked[0]["acs_entrance_id"] == site.main["acs_entrance_id"]

        assert seam.client_sessions.revoke(client_session_id=cs["client_session_id"]) is None
        with pytest.raises(SeamHttpUnauthorizedError):
            as_member.acs.entrances.list()
    finally:
        as_member.close()


def test_pagination_user_identities_and_grants(seam, site):
    tag = f"Pager{uuid.uuid4().hex[:8]}"
    created = [seam.user_identities.create(full_name=f"{tag} {i}").user_identity_id for i in range(7)]

    # Walk pages by hand with limit/page_cursor.
    seen, cursor, pages = [], None, 0
    while True:
        kwargs = {"search": tag, "limit": 3}
        if cursor:
            kwargs["page_cursor"] = cursor
        page = seam.user_identities.list(**kwargs)
        pages += 1
        assert len(page) <= 3
        seen += [u.user_identity_id for u in page]
        pag = page.pagination
        assert set(pag) >= {"has_next_page", "next_page_cursor", "next_page_url"}
        if not pag["has_next_page"]:
            assert pag["next_page_cursor"] is None
            break
        assert pag["next_page_cursor"]
        assert pag["next_page_url"].startswith("http")
        cursor = pag["next_page_cursor"]
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == sorted(created)

    # The SDK's paginator.
    paginator = seam.create_paginator(seam.user_identities.list, {"search": tag, "limit": 2})
    first, pagination = paginator.first_page()
    assert len(first) == 2 and pagination.has_next_page
    flat = paginator.flatten_to_list()
    assert sorted(u.user_identity_id for u in flat) == sorted(created)

    # Paginated access grants of one user.
    user = new_user(seam, "Pager Grants")
    grants = [cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]]).access_grant_id for _ in range(5)]
    all_grants = seam.create_paginator(
        seam.access_grants.list, {"user_identity_id": user.user_identity_id, "limit": 2}
    ).flatten_to_list()
    assert sorted(g.access_grant_id for g in all_grants) == sorted(grants)

    # Entrances are paginated too.
    doors = seam.create_paginator(
        seam.acs.entrances.list, {"acs_system_id": site.acs_system_id, "limit": 1}
    ).flatten_to_list()
    assert len(doors) == 3


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------


def test_bad_uuid_is_invalid_input(seam):
    with pytest.raises(SeamHttpInvalidInputError) as err:
        seam.user_identities.get(user_identity_id="not-a-uuid")
    assert err.value.code == "invalid_input"
    assert err.value.status_code == 400
    assert "user_identity_id" in [v.parameter_name for v in err.value.validation_errors]
    assert err.value.get_validation_error_messages("user_identity_id")


def test_invalid_body_is_invalid_input(seam, site):
    user = new_user(seam, "Invalid Body")
    with pytest.raises(SeamHttpInvalidInputError) as err:
        seam.access_grants.create(
            user_identity_id=user.user_identity_id,
            acs_entrance_ids=[site.main["acs_entrance_id"]],
            requested_access_methods=[{"mode": "teleport"}],
        )
    assert "requested_access_methods" in [v.parameter_name for v in err.value.validation_errors]


@pytest.mark.parametrize(
    "call,code",
    [
        (lambda s: s.user_identities.get(user_identity_id=UNKNOWN_ID), "user_identity_not_found"),
        (lambda s: s.access_grants.get(access_grant_id=UNKNOWN_ID), "access_grant_not_found"),
        (lambda s: s.access_methods.get(access_method_id=UNKNOWN_ID), "access_method_not_found"),
        (lambda s: s.action_attempts.get(action_attempt_id=UNKNOWN_ID), "action_attempt_not_found"),
        (lambda s: s.acs.systems.get(acs_system_id=UNKNOWN_ID), "acs_system_not_found"),
        (lambda s: s.acs.entrances.get(acs_entrance_id=UNKNOWN_ID), "acs_entrance_not_found"),
        (lambda s: s.client_sessions.get(client_session_id=UNKNOWN_ID), "client_session_not_found"),
        (lambda s: s.events.get(event_id=UNKNOWN_ID), "event_not_found"),
        (lambda s: s.user_identities.delete(user_identity_id=UNKNOWN_ID), "user_identity_not_found"),
        (lambda s: s.access_grants.delete(access_grant_id=UNKNOWN_ID), "access_grant_not_found"),
        (
            lambda s: s.access_methods.unlock_door(access_method_id=UNKNOWN_ID, acs_entrance_id=UNKNOWN_ID),
            "access_method_not_found",
        ),
    ],
    ids=[
        "user_identity",
        "access_grant",
        "access_method",
        "action_attempt",
        "acs_system",
        "acs_entrance",
        "client_session",
        "event",
        "delete_user_identity",
        "delete_access_grant",
        "unlock_door",
    ],
)
def test_unknown_id_is_not_found(seam, call, code):
    with pytest.raises(SeamHttpApiError) as err:
        call(seam)
    assert not isinstance(err.value, (SeamHttpInvalidInputError, SeamHttpUnauthorizedError))
    assert err.value.code == code
    assert err.value.status_code == 404


def test_bad_api_key_is_unauthorized(server):
    bad = Seam(api_key=random_key("seam_wrong_"), endpoint=server.url)
    try:
        with pytest.raises(SeamHttpUnauthorizedError) as err:
            bad.acs.systems.list()
        assert err.value.status_code == 401
        with pytest.raises(SeamHttpUnauthorizedError):
            bad.user_identities.create(full_name="Nobody")
    finally:
        bad.close()


# --------------------------------------------------------------------------------------
# refused unlocks
# --------------------------------------------------------------------------------------


def _assert_refused(seam, raw, user, access_method_id, acs_entrance_id, code):
    with pytest.raises(SeamActionAttemptFailedError) as err:
        seam.access_methods.unlock_door(access_method_id=access_method_id, acs_entrance_id=acs_entrance_id)
    assert err.value.code == code
    attempt = err.value.action_attempt
    assert attempt.status == "error"
    assert attempt.action_type == "UNLOCK_DOOR"
    assert attempt.error.type == code
    # The refusal is recorded: the attempt can be read back, and no lock.unlocked was emitted.
    stored = seam.action_attempts.get(
        action_attempt_id=attempt.action_attempt_id, wait_for_action_attempt=False
    )
    assert stored.status == "error" and stored.error.type == code
    events = raw.ok(
        "/events/list",
        method="GET",
        query={"user_identity_id": user.user_identity_id},
    )["events"]
    mine = [e for e in events if e.get("action_attempt_id") == attempt.action_attempt_id]
    assert [e["event_type"] for e in mine] == ["action_attempt.unlock_door.failed"]


def test_unlock_refused_door_without_cloud_key(seam, raw, site):
    user = new_user(seam, "No Cloud")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.server_room["acs_entrance_id"]])
    _assert_refused(
        seam, raw, user, grant.access_method_ids[0], site.server_room["acs_entrance_id"],
        "entrance_not_cloud_key_enabled",
    )


def test_unlock_refused_in_lockdown(seam, raw, site):
    door = raw.ok(
        "/acs/entrances/create",
        {"acs_system_id": site.acs_system_id, "display_name": "Lockdown Door", "relock_pulse_ms": 500},
    )["acs_entrance"]
    did = door["acs_entrance_id"]
    try:
        user = new_user(seam, "Lockdown")
        grant = cloud_key_grant(seam, user.user_identity_id, [did])
        mid = grant.access_method_ids[0]
        assert seam.access_methods.unlock_door(access_method_id=mid, acs_entrance_id=did).status == "success"
        raw.ok("/acs/entrances/update", {"acs_entrance_id": did, "is_in_lockdown": True})
        _assert_refused(seam, raw, user, mid, did, "entrance_in_lockdown")
        raw.ok("/acs/entrances/update", {"acs_entrance_id": did, "is_in_lockdown": False})
        assert seam.access_methods.unlock_door(access_method_id=mid, acs_entrance_id=did).status == "success"
    finally:
        raw.call("/acs/entrances/update", {"acs_entrance_id": did, "is_in_lockdown": False})


def test_unlock_refused_revoked_method(seam, raw, site):
    user = new_user(seam, "Revoked")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]])
    mid = grant.access_method_ids[0]
    seam.access_methods.delete(access_method_id=mid)
    _assert_refused(seam, raw, user, mid, site.main["acs_entrance_id"], "access_method_revoked")


def test_unlock_refused_after_grant_deleted(seam, raw, site):
    user = new_user(seam, "Grant Deleted")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]])
    seam.access_grants.delete(access_grant_id=grant.access_grant_id)
    _assert_refused(seam, raw, user, grant.access_method_ids[0], site.main["acs_entrance_id"], "access_method_revoked")


def test_unlock_refused_access_ended_and_not_started(seam, raw, site):
    user = new_user(seam, "Windowed")
    t = now_utc()
    grant = cloud_key_grant(
        seam, user.user_identity_id, [site.main["acs_entrance_id"]], starts_at=iso(t - dt.timedelta(hours=2))
    )
    seam.access_grants.update(access_grant_id=grant.access_grant_id, ends_at=iso(t - dt.timedelta(minutes=1)))
    _assert_refused(seam, raw, user, grant.access_method_ids[0], site.main["acs_entrance_id"], "access_ended")

    future = cloud_key_grant(
        seam, user.user_identity_id, [site.main["acs_entrance_id"]], starts_at=iso(t + dt.timedelta(hours=2))
    )
    _assert_refused(
        seam, raw, user, future.access_method_ids[0], site.main["acs_entrance_id"], "access_not_yet_started"
    )


def test_unlock_refused_entrance_not_in_grant(seam, raw, site):
    user = new_user(seam, "Wrong Door")
    grant = cloud_key_grant(seam, user.user_identity_id, [site.main["acs_entrance_id"]])
    _assert_refused(
        seam, raw, user, grant.access_method_ids[0], site.side["acs_entrance_id"], "entrance_not_in_access_grant"
    )
