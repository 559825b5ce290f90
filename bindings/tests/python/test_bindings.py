"""The generated Python bindings (``ajar_ffi.py`` + ``libajar_ffi.so``) against a real ajar-server.

Covers sign-in with a Python ``SecretStore`` (the token is kept there and nowhere on disk),
profiles, entries and the cache, unlock outcomes, sharing (the QR PNG decoded back to the URL with
``zbarimg``), links, revoke, activity, sign-out, every ``AjarError`` case raised as its own
exception type, 200 concurrent async calls with ``asyncio.gather``, and sync calls from threads.

Run (``scripts/test-bindings`` does all of this):
    AJAR_BINDINGS_DIR=target/bindings AJAR_SERVER_BIN=target/debug/ajar-server \\
        python3 -m unittest -v bindings/tests/python/test_bindings.py

Needs ``zbarimg`` (Debian: ``zbar-tools``) on PATH.
"""

import asyncio
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINDINGS_DIR = pathlib.Path(os.environ.get("AJAR_BINDINGS_DIR", ROOT / "target" / "bindings"))
SERVER_BIN = pathlib.Path(os.environ.get("AJAR_SERVER_BIN", ROOT / "target" / "debug" / "ajar-server"))
sys.path.insert(0, str(BINDINGS_DIR))

import ajar_ffi  # noqa: E402  (the generated module)
from ajar_ffi import (  # noqa: E402
    ActivityFilter,
    AjarClient,
    AjarError,
    AjarSession,
    Identity,
    SecretStore,
    ShareRequest,
    ShareWindow,
    UnlockOutcome,
)

ADMIN_KEY = "seam_pybindings_" + uuid.uuid4().hex[:24]


class Server:
    """ajar-server on 127.0.0.1 (random port) with a fresh data directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ajar-py-server-")
        env = dict(os.environ, AJAR_BOOTSTRAP_API_KEY=ADMIN_KEY, AJAR_LOG="warn")
        self.proc = subprocess.Popen(
            [str(SERVER_BIN), "--listen", "127.0.0.1:0", "--data-dir", self.dir],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        deadline = time.monotonic() + 30
        self.url = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if "listening on " in line:
                self.url = line.strip().split("listening on ", 1)[1]
                break
        if self.url is None:
            self.stop()
            raise RuntimeError("ajar-server did not start")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def post(self, path, body, token=ADMIN_KEY):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def ok(self, path, body):
        status, v = self.post(path, body)
        assert 200 <= status < 300, (path, status, v)
        return v

    def seed(self):
        """A Berlin site with Main Entrance, Side Door, Server Room (no cloud key) and Garage;
        a new member whose cloud key covers the first three; their client-session token."""
        site = self.ok("/acs/systems/create", {"name": "HQ", "time_zone": "Europe/Berlin"})
        site = site["acs_system"]["acs_system_id"]
        doors = {}
        for name, cloud in [("Main Entrance", True), ("Side Door", True),
                            ("Server Room", False), ("Garage", True)]:
            d = self.ok("/acs/entrances/create", {
                "acs_system_id": site, "display_name": name, "can_unlock_with_cloud_key": cloud})
            doors[name] = d["acs_entrance"]["acs_entrance_id"]
        user = self.ok("/user_identities/create", {"full_name": "Maya Member"})
        user = user["user_identity"]["user_identity_id"]
        self.ok("/access_grants/create", {
            "user_identity_id": user,
            "acs_entrance_ids": [doors["Main Entrance"], doors["Side Door"], doors["Server Room"]],
            "requested_access_methods": [{"mode": "cloud_key"}],
        })
        token = self.ok("/client_sessions/create", {"user_identity_id": user})
        return site, doors, user, token["client_session"]["token"]


class DictStore(SecretStore):
    """The app's secret store (Android Keystore / iOS Keychain), here a dictionary."""

    def __init__(self):
        self.data = {}
        self.calls = []
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            self.calls.append(("get", key))
            return self.data.get(key)

    def set(self, key, secret):
        with self.lock:
            self.calls.append(("set", key))
            self.data[key] = secret

    def delete(self, key):
        with self.lock:
            self.calls.append(("delete", key))
            self.data.pop(key, None)


class LockedStore(SecretStore):
    """A store that fails the way the app reports it (an AjarError) or unexpectedly."""

    def __init__(self, unexpected):
        self.unexpected = unexpected

    def get(self, key):
        return None

    def set(self, key, secret):
        if self.unexpected:
            raise RuntimeError("the keystore exploded")
        raise AjarError.Other("keychain locked")

    def delete(self, key):
        pass


def files_under(path):
    return [p for p in pathlib.Path(path).rglob("*") if p.is_file()]


def day(offset):
    return (datetime.now(timezone.utc) + timedelta(days=offset)).strftime("%Y-%m-%d")


def decode_qr(png: bytes) -> str:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        raise AssertionError("zbarimg not found: apt-get install zbar-tools")
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        out = subprocess.run([zbarimg, "--quiet", "--raw", f.name],
                             capture_output=True, text=True, check=True)
    return out.stdout.strip()


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server()


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


class Base(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.srv = SERVER
        self.site, self.doors, self.user, self.token = self.srv.seed()
        self.tmp = tempfile.mkdtemp(prefix="ajar-py-client-")

    async def asyncTearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    async def member(self):
        return await AjarSession.connect(self.srv.url, self.token)


class SignInAndProfiles(Base):
    async def test_sign_in_keeps_the_token_in_the_python_store_only(self):
        store = DictStore()
        client = AjarClient(self.tmp, store)
        self.assertEqual(client.profiles(), [])

        code = "ajar:signin?" + urllib.parse.urlencode({"server": self.srv.url, "token": self.token})
        session = await client.sign_in("work", None, code)
        self.assertIsInstance(session, AjarSession)
        self.assertEqual(session.server(), self.srv.url)
        me = await session.identity()
        self.assertIsInstance(me, Identity.USER)
        self.assertTrue(me.is_user())
        self.assertEqual((me.user_identity_id, me.display_name, me.role),
                         (self.user, "Maya Member", "member"))

        # The token went through the Python store, and is nowhere on disk.
        self.assertEqual(store.data, {"profile:work": self.token})
        self.assertIn(("set", "profile:work"), store.calls)
        await session.entries()  # writes the entry cache too
        disk = files_under(self.tmp)
        self.assertTrue(disk, "profiles.json and the cache exist")
        for f in disk:
            self.assertNotIn(self.token.encode(), f.read_bytes(), f"token written to {f}")

        profiles = client.profiles()
        self.assertEqual(len(profiles), 1)
        p = profiles[0]
        self.assertEqual((p.name, p.server, p.label, p.is_default),
                         ("work", self.srv.url, "Maya Member (member)", True))

        # Reopening reads the token back from the store.
        store.calls.clear()
        again = await AjarClient(self.tmp, store).session(None)
        self.assertEqual(again.server(), self.srv.url)
        self.assertIn(("get", "profile:work"), store.calls)
        self.assertIsNotNone(again.cached_entries())

        # Sign-out ends the session on the server and deletes the token.
        self.assertTrue(await client.sign_out("work"))
        self.assertEqual(store.data, {})
        self.assertEqual(client.profiles(), [])
        with self.assertRaises(AjarError.NotSignedIn):
            await client.session(None)
        with self.assertRaises(AjarError.NotSignedIn):
            await AjarSession.connect(self.srv.url, self.token)

    async def test_an_admin_key_profile_is_an_api_key_identity(self):
        store = DictStore()
        client = AjarClient(self.tmp, store)
        s = await client.sign_in("admin", self.srv.url, ADMIN_KEY)
        self.assertEqual(await s.identity(), Identity.API_KEY())
        self.assertTrue((await s.identity()).is_api_key())
        self.assertEqual(client.profiles()[0].label, "API key")
        self.assertFalse(await client.sign_out("admin"))  # an API key is not ended
        self.assertEqual(store.data, {})


class EntriesAndUnlock(Base):
    async def test_entries_then_the_cache(self):
        s = await self.member()
        self.assertIsNone(s.cached_entries())
        lst = await s.entries()
        self.assertFalse(lst.stale)
        self.assertGreaterEqual(lst.age_seconds, 0)
        by_name = {e.name: e for e in lst.entries}
        self.assertEqual(sorted(by_name), ["Main Entrance", "Server Room", "Side Door"])
        main = by_name["Main Entrance"]
        self.assertEqual(main.acs_entrance_id, self.doors["Main Entrance"])
        self.assertEqual((main.site_id, main.site_name, main.time_zone),
                         (self.site, "HQ", "Europe/Berlin"))
        self.assertTrue(main.can_unlock)
        self.assertIsNotNone(main.access_method_id)
        self.assertIsNone(main.access_ends_at)
        self.assertTrue(main.is_online)
        self.assertIsNone(main.unlocked_until)  # closed: no relock countdown
        self.assertFalse(by_name["Server Room"].can_unlock)
        cached = s.cached_entries()
        self.assertTrue(cached.stale)
        self.assertEqual(cached.entries, lst.entries)

    async def test_unlock_outcomes(self):
        s = await self.member()
        out = await s.unlock("main entrance")
        self.assertIsInstance(out, UnlockOutcome.CONFIRMED)
        self.assertTrue(out.is_confirmed())
        uuid.UUID(out.action_attempt_id)

        out = await s.unlock(self.doors["Server Room"])
        self.assertIsInstance(out, UnlockOutcome.REFUSED)
        self.assertEqual(out.code, "entrance_not_cloud_key_enabled")

        self.srv.ok("/acs/entrances/update",
                    {"acs_entrance_id": self.doors["Side Door"], "is_in_lockdown": True})
        out = await s.unlock("Side Door")
        self.assertTrue(out.is_refused())
        self.assertEqual(out.code, "entrance_in_lockdown")
        self.assertTrue(out.message)
        side = [e for e in (await s.entries()).entries if e.name == "Side Door"][0]
        self.assertTrue(side.is_in_lockdown)
        self.assertFalse(side.can_unlock)

        with self.assertRaises(AjarError.NotFound):
            await s.unlock("Garage")  # not the member's door

        # The server's own record of the unlock.
        _, events = self.srv.post("/events/list", {"event_type": "lock.unlocked"})
        self.assertTrue(any(e.get("acs_entrance_id") == self.doors["Main Entrance"]
                            for e in events["events"]))
        mine = await s.activity(ActivityFilter(
            user_identity_id=None, guest_link_id=None,
            acs_entrance_id=self.doors["Side Door"], acs_system_id=None, limit=20))
        self.assertTrue(any(e.error_code == "entrance_in_lockdown" for e in mine))


class Sharing(Base):
    async def test_share_qr_links_revoke_and_activity(self):
        s = await self.member()
        req = ShareRequest(
            entries=["Main Entrance", self.doors["Side Door"]],
            description="Plumber & co",
            window=ShareWindow.FOR(seconds=3600),
            max_uses=2,
        )
        p = await s.share(req)
        self.assertTrue(p.url.startswith(self.srv.url + "/g#"), p.url)
        self.assertEqual(decode_qr(p.qr_png), p.url)
        self.assertTrue(p.qr_png.startswith(b"\x89PNG"))
        self.assertIn("<svg", p.qr_svg)
        self.assertIn(p.url, p.text)
        self.assertIn(p.url, json.dumps(json.loads(p.slack_message_json)))
        self.assertEqual(len(p.webhook_urls), 2)
        link = p.link
        self.assertEqual((link.state, link.max_unlock_count, link.unlock_count),
                         ("active", 2, 0))
        self.assertEqual(link.acs_entrance_ids,
                         [self.doors["Main Entrance"], self.doors["Side Door"]])
        starts = datetime.fromisoformat(link.starts_at.replace("Z", "+00:00"))
        ends = datetime.fromisoformat(link.ends_at.replace("Z", "+00:00"))
        self.assertEqual(round((ends - starts).total_seconds()), 3600)
        self.assertRegex(link.starts_at_local, r"\+0[12]:00$")

        gid = link.guest_link_id
        self.assertEqual([l.guest_link_id for l in await s.links(None)], [gid])
        self.assertEqual(len(await s.links("active")), 1)
        self.assertEqual(await s.link(gid), (await s.links(None))[0])

        # The guest opens Main Entrance from the decoded URL.
        token = decode_qr(p.qr_png).split("#", 1)[1]
        status, body = self.srv.post("/g/api/unlock",
                                     {"token": token, "acs_entrance_id": self.doors["Main Entrance"]},
                                     token="")
        self.assertEqual(status, 200, body)
        self.assertEqual((await s.link(gid)).unlock_count, 1)
        act = await s.activity(ActivityFilter(user_identity_id=None, guest_link_id=gid,
                                              acs_entrance_id=None, acs_system_id=None, limit=None))
        self.assertTrue(any(e.event_type == "lock.unlocked" for e in act))
        self.assertTrue(all(e.guest_link_id == gid for e in act))

        await s.revoke_link(gid)
        self.assertEqual((await s.link(gid)).state, "revoked")
        self.assertEqual(await s.links("active"), [])

        later = await s.share(ShareRequest(
            entries=["Side Door"], description="",
            window=ShareWindow.BETWEEN(_from=f"{day(2)}T09:30", until=f"{day(2)}T17:00"),
            max_uses=None))
        self.assertEqual(later.link.state, "scheduled")
        self.assertTrue(later.link.starts_at_local.startswith(f"{day(2)}T09:30:00+0"))


class Errors(Base):
    async def test_errors_are_their_own_exception_types(self):
        store = DictStore()
        client = AjarClient(self.tmp, store)
        with self.assertRaises(AjarError.NotSignedIn) as cm:
            await client.sign_in("x", self.srv.url, "seam_cst1_notarealtokennotarealtoken")
        self.assertIsInstance(cm.exception, AjarError)
        self.assertIn("sign in again", cm.exception.message)
        self.assertEqual(store.data, {})
        with self.assertRaises(AjarError.InvalidInput):
            await client.sign_in("x", self.srv.url, "hello")
        with self.assertRaises(AjarError.InvalidInput):
            await client.sign_in("x", None, self.token)  # which server?
        with self.assertRaises(AjarError.NotSignedIn):
            await client.session(None)
        with self.assertRaises(AjarError.NotFound):
            await client.sign_out("nobody")

        with socket_port() as port:
            pass
        with self.assertRaises(AjarError.Network) as cm:
            await AjarSession.connect(f"http://127.0.0.1:{port}", self.token)
        self.assertIn("127.0.0.1", cm.exception.message)

        s = await self.member()
        with self.assertRaises(AjarError.InvalidInput):
            await s.link("not-an-id")
        with self.assertRaises(AjarError.NotFound):
            await s.link(str(uuid.uuid4()))
        with self.assertRaises(AjarError.NotFound):
            await s.revoke_link(str(uuid.uuid4()))
        with self.assertRaises(AjarError.InvalidInput):
            await s.share(ShareRequest(entries=["Server Room"], description="",
                                       window=ShareWindow.FOR(seconds=600), max_uses=None))
        with self.assertRaises(AjarError.Refused) as cm:
            await s.share(ShareRequest(
                entries=["Main Entrance"], description="",
                window=ShareWindow.BETWEEN(_from=f"{day(-1)}T00:00", until=f"{day(1)}T00:00"),
                max_uses=None))
        self.assertEqual(cm.exception.code, "guest_link_exceeds_issuer_access")
        self.assertTrue(cm.exception.message)

        # Wrong types are caught before crossing the ffi.
        with self.assertRaises(TypeError):
            await s.unlock(42)
        with self.assertRaises(TypeError):
            AjarClient(self.tmp, {"not": "a store"})

    async def test_a_failing_python_store_is_an_other_error(self):
        for unexpected in (False, True):
            with self.subTest(unexpected=unexpected):
                client = AjarClient(self.tmp, LockedStore(unexpected))
                with self.assertRaises(AjarError.Other) as cm:
                    await client.sign_in("work", self.srv.url, self.token)
                self.assertIn("secret store", cm.exception.message)
                if not unexpected:
                    self.assertIn("keychain locked", cm.exception.message)
                self.assertEqual(client.profiles(), [])


class socket_port:
    """A port nobody listens on (bound, then released)."""

    def __enter__(self):
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc):
        self.s.close()


class Concurrency(Base):
    async def test_200_concurrent_async_calls(self):
        s = await self.member()
        t0 = time.perf_counter()
        ids = await asyncio.gather(*[s.identity() for _ in range(200)])
        t_identity = time.perf_counter() - t0
        self.assertEqual({i.user_identity_id for i in ids}, {self.user})

        t0 = time.perf_counter()
        lists = await asyncio.gather(*[s.entries() for _ in range(200)])
        t_entries = time.perf_counter() - t0
        self.assertEqual({len(l.entries) for l in lists}, {3})
        self.assertTrue(all(not l.stale for l in lists))

        # Mixed: unlocks, links, identity and entries at once, with sync calls in between.
        coros = []
        for i in range(50):
            coros += [s.unlock("Main Entrance"), s.links(None), s.identity(), s.entries()]
        results = await asyncio.gather(*coros)
        self.assertEqual(s.server(), self.srv.url)
        unlocks = results[0::4]
        self.assertTrue(all(u.is_confirmed() for u in unlocks), unlocks[:3])
        self.assertEqual(len({u.action_attempt_id for u in unlocks}), 50)
        print(f"\n    200x identity(): {t_identity * 1000:.0f} ms; 200x entries(): "
              f"{t_entries * 1000:.0f} ms; 200 mixed: ok", file=sys.stderr)

    async def test_cancelled_calls_do_not_break_the_session(self):
        s = await self.member()
        tasks = [asyncio.ensure_future(s.entries()) for _ in range(20)]
        await asyncio.sleep(0)
        for t in tasks[::2]:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.assertEqual(len((await s.entries()).entries), 3)


class SyncCalls(unittest.TestCase):
    """Plain synchronous code: sync methods directly, async ones through asyncio.run."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ajar-py-client-")
        _, _, _, self.token = SERVER.seed()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_sync_methods_from_many_threads(self):
        client = AjarClient(self.tmp, DictStore())
        s = asyncio.run(client.sign_in("work", SERVER.url, self.token))
        self.assertEqual(s.server(), SERVER.url)
        self.assertEqual([p.name for p in client.profiles()], ["work"])
        self.assertIsNone(s.cached_entries())
        self.assertEqual(len(asyncio.run(s.entries()).entries), 3)

        def work(_):
            return (s.server(), len(client.profiles()), len(s.cached_entries().entries))

        with ThreadPoolExecutor(8) as pool:
            got = set(pool.map(work, range(400)))
        self.assertEqual(got, {(SERVER.url, 1, 3)})

    def test_objects_outlive_the_event_loop_that_made_them(self):
        s = asyncio.run(AjarSession.connect(SERVER.url, self.token))
        for _ in range(3):  # a new loop each time
            self.assertTrue(asyncio.run(s.identity()).is_user())


if __name__ == "__main__":
    unittest.main(verbosity=2)
