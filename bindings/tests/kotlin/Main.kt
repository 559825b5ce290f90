// The generated Kotlin bindings (dev.ajar.core, JNA + libajar_ffi.so) on the JVM against a real
// ajar-server, with coroutines: sign-in with a Kotlin SecretStore (the token is kept there and
// nowhere on disk), profiles, entries and the cache, unlock outcomes, sharing (the QR PNG decoded
// back to the URL), links, revoke, activity, sign-out, every AjarException case, 200 concurrent
// suspend calls, cancellation, sync calls from threads, and closing objects.
//
// Run by scripts/test-bindings; by hand:
//   kotlinc target/bindings/dev/ajar/core/ajar_ffi.kt bindings/tests/kotlin/*.kt -cp $CP -d t.jar
//   AJAR_SERVER_BIN=target/debug/ajar-server java -Djna.library.path=target/bindings \
//     -cp t.jar:$CP:$KT/lib/kotlin-stdlib.jar MainKt
// Prints "N passed, N failed" last and exits 1 on any failure.

import dev.ajar.core.ActivityFilter
import dev.ajar.core.AjarClient
import dev.ajar.core.AjarException
import dev.ajar.core.AjarSession
import dev.ajar.core.Identity
import dev.ajar.core.ShareRequest
import dev.ajar.core.ShareWindow
import dev.ajar.core.UnlockOutcome
import java.io.File
import java.net.URLEncoder
import java.util.UUID
import java.util.concurrent.Executors
import kotlin.system.exitProcess
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

lateinit var srv: Server

fun noFilter() = ActivityFilter(userIdentityId = null, guestLinkId = null, acsEntranceId = null, acsSystemId = null, limit = null)

suspend fun member(s: Seeded): AjarSession = AjarSession.connect(srv.url, s.token)

fun main() {
    val bin = System.getenv("AJAR_SERVER_BIN") ?: "target/debug/ajar-server"
    srv = Server(bin)
    try {
        run()
    } finally {
        srv.stop()
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

fun run() {
    test("sign-in keeps the token in the Kotlin store only; sign-out forgets it") {
        val s = srv.seed()
        val dir = tempDir()
        val store = MapStore()
        val client = AjarClient(dir.path, store)
        eq(client.profiles(), emptyList(), "profiles before")

        val code = "ajar:signin?server=" + URLEncoder.encode(srv.url, "UTF-8") + "&token=" + URLEncoder.encode(s.token, "UTF-8")
        val session = client.signIn("work", null, code)
        eq(session.server(), srv.url, "server")
        val me = session.identity()
        truth(me is Identity.User) { "a user: $me" }
        me as Identity.User
        eq(me.userIdentityId, s.user, "user")
        eq(me.displayName, "Maya Member", "name")
        eq(me.role, "member", "role")

        eq(store.data.toMap(), mapOf("profile:work" to s.token), "store")
        truth("set profile:work" in store.calls) { "store.set called: ${store.calls}" }
        session.entries() // writes the cache too
        val files = dir.walkTopDown().filter { it.isFile }.toList()
        truth(files.isNotEmpty()) { "profiles.json and the cache exist" }
        for (f in files) {
            truth(!String(f.readBytes(), Charsets.ISO_8859_1).contains(s.token)) { "token written to $f" }
        }

        val p = client.profiles().single()
        eq(listOf(p.name, p.server, p.label), listOf("work", srv.url, "Maya Member (member)"), "profile")
        truth(p.isDefault) { "the new profile is the default" }

        store.calls.clear()
        val again = AjarClient(dir.path, store).session(null)
        eq(again.server(), srv.url, "reopened")
        truth("get profile:work" in store.calls) { "token read back from the store: ${store.calls}" }
        truth(again.cachedEntries() != null) { "cache reopened" }

        val admin = client.signIn("admin", srv.url, ADMIN_KEY)
        eq(admin.identity(), Identity.ApiKey, "admin identity")
        eq(client.profiles().single { it.isDefault }.name, "admin", "default after a second sign-in")

        eq(client.signOut("work"), true, "sign-out ends the session on the server")
        eq(client.signOut("admin"), false, "an API key is not ended")
        eq(store.data.isEmpty(), true, "store emptied")
        eq(client.profiles(), emptyList(), "profiles after")
        throws<AjarException.NotSignedIn> { client.session(null) }
        throws<AjarException.NotSignedIn> { AjarSession.connect(srv.url, s.token) }
        dir.deleteRecursively()
    }

    test("entries, then the cache") {
        val s = srv.seed()
        val session = member(s)
        eq(session.cachedEntries(), null, "no cache yet")
        val list = session.entries()
        truth(!list.stale) { "fresh" }
        val byName = list.entries.associateBy { it.name }
        eq(byName.keys, setOf("Main Entrance", "Side Door", "Server Room"), "a member's doors")
        val main = byName.getValue("Main Entrance")
        eq(main.acsEntranceId, s.doors["Main Entrance"], "id")
        eq(listOf(main.siteId, main.siteName, main.timeZone), listOf(s.site, "HQ", "Europe/Berlin"), "site")
        truth(main.canUnlock && main.accessMethodId != null && main.accessEndsAt == null) { "main: $main" }
        truth(!byName.getValue("Server Room").canUnlock) { "no cloud key on the server room" }
        val cached = session.cachedEntries()!!
        truth(cached.stale) { "cached is stale" }
        eq(cached.entries, list.entries, "cached entries")
    }

    test("unlock: confirmed, refused with reasons, unknown door") {
        val s = srv.seed()
        val session = member(s)
        val ok = session.unlock("main entrance")
        truth(ok is UnlockOutcome.Confirmed) { "confirmed: $ok" }
        UUID.fromString((ok as UnlockOutcome.Confirmed).actionAttemptId)

        val noCloud = session.unlock(s.doors.getValue("Server Room"))
        truth(noCloud is UnlockOutcome.Refused && noCloud.code == "entrance_not_cloud_key_enabled") { "$noCloud" }

        srv.ok("/acs/entrances/update", """{"acs_entrance_id":"${s.doors["Side Door"]}","is_in_lockdown":true}""")
        when (val out = session.unlock("Side Door")) {
            is UnlockOutcome.Refused -> {
                eq(out.code, "entrance_in_lockdown", "lockdown code")
                truth(out.message.isNotEmpty()) { "a readable reason" }
            }
            else -> throw AssertionError("lockdown must refuse: $out")
        }
        val side = session.entries().entries.single { it.name == "Side Door" }
        truth(side.isInLockdown && !side.canUnlock) { "side door: $side" }

        throws<AjarException.NotFound> { session.unlock("Garage") }

        val (_, events) = srv.post("/events/list", """{"event_type":"lock.unlocked"}""")
        truth(events.contains(s.doors.getValue("Main Entrance"))) { "lock.unlocked for Main Entrance: $events" }
        val trail = session.activity(noFilter().copy(acsEntranceId = s.doors["Side Door"], limit = 20u))
        truth(trail.any { it.errorCode == "entrance_in_lockdown" }) { "refusal in the trail: $trail" }

        val admin = AjarSession.connect(srv.url, ADMIN_KEY)
        val byKey = admin.unlock(s.doors.getValue("Garage")) // an admin sees every seed's garage: by id
        truth(byKey is UnlockOutcome.Refused && byKey.code == "no_cloud_key" && byKey.actionAttemptId == null) { "$byKey" }
    }

    test("share: QR decodes to the URL; links, guest unlock, activity, revoke") {
        val s = srv.seed()
        val session = member(s)
        val p = session.share(
            ShareRequest(
                entries = listOf("Main Entrance", s.doors.getValue("Side Door")),
                description = "Plumber & co",
                window = ShareWindow.For(3600L),
                maxUses = 2u,
            ),
        )
        truth(p.url.startsWith(srv.url + "/g#")) { p.url }
        eq(decodeQr(p.qrPng), p.url, "QR content")
        truth(p.qrSvg.contains("<svg") && p.text.contains(p.url) && p.slackMessageJson.contains(p.url)) { "payload" }
        eq(p.webhookUrls.size, 2, "webhook URLs")
        val link = p.link
        eq(listOf(link.state, link.maxUnlockCount, link.unlockCount), listOf("active", 2u, 0u), "link")
        eq(link.acsEntranceIds, listOf(s.doors["Main Entrance"], s.doors["Side Door"]), "doors")
        val secs = java.time.Duration.between(java.time.Instant.parse(link.startsAt), java.time.Instant.parse(link.endsAt)).seconds
        eq(secs, 3600L, "window")
        truth(Regex("\\+0[12]:00$").containsMatchIn(link.startsAtLocal)) { link.startsAtLocal }

        val id = link.guestLinkId
        eq(session.links(null).map { it.guestLinkId }, listOf(id), "links")
        eq(session.links("active").size, 1, "active links")
        eq(session.link(id), session.links(null).single(), "link by id")

        val token = decodeQr(p.qrPng).substringAfter('#')
        val (status, body) = srv.post("/g/api/unlock", """{"token":"$token","acs_entrance_id":"${s.doors["Main Entrance"]}"}""", token = null)
        eq(status, 200, "guest unlock ($body)")
        eq(session.link(id).unlockCount, 1u, "unlock count")
        val act = session.activity(noFilter().copy(guestLinkId = id))
        truth(act.any { it.eventType == "lock.unlocked" } && act.all { it.guestLinkId == id }) { "$act" }

        session.revokeLink(id)
        eq(session.link(id).state, "revoked", "revoked")
        eq(session.links("active"), emptyList(), "no active links")

        val later = session.share(
            ShareRequest(listOf("Side Door"), "", ShareWindow.Between(from = "${day(2)}T09:30", until = "${day(2)}T17:00"), null),
        )
        eq(later.link.state, "scheduled", "scheduled link")
        truth(later.link.startsAtLocal.startsWith("${day(2)}T09:30:00+0")) { later.link.startsAtLocal }
    }

    test("errors are AjarException subclasses with their fields") {
        val s = srv.seed()
        val dir = tempDir()
        val store = MapStore()
        val client = AjarClient(dir.path, store)
        val bad = throws<AjarException.NotSignedIn> { client.signIn("x", srv.url, "seam_cst1_notarealtokennotarealtoken") }
        truth(bad.detail.contains("sign in again")) { bad.detail }
        truth(store.data.isEmpty()) { "nothing kept for a bad token" }
        throws<AjarException.InvalidInput> { client.signIn("x", srv.url, "hello") }
        throws<AjarException.InvalidInput> { client.signIn("x", null, s.token) }
        throws<AjarException.NotSignedIn> { client.session(null) }
        throws<AjarException.NotFound> { client.signOut("nobody") }

        val port = freePort()
        val net = throws<AjarException.Network> { AjarSession.connect("http://127.0.0.1:$port", s.token) }
        truth(net.detail.contains("127.0.0.1")) { net.detail }

        val session = member(s)
        throws<AjarException.InvalidInput> { session.link("not-an-id") }
        throws<AjarException.NotFound> { session.link(UUID.randomUUID().toString()) }
        throws<AjarException.NotFound> { session.revokeLink(UUID.randomUUID().toString()) }
        throws<AjarException.InvalidInput> { session.share(ShareRequest(listOf("Server Room"), "", ShareWindow.For(600L), null)) }
        val refused = throws<AjarException.Refused> {
            session.share(ShareRequest(listOf("Main Entrance"), "", ShareWindow.Between("${day(-1)}T00:00", "${day(1)}T00:00"), null))
        }
        eq(refused.code, "guest_link_exceeds_issuer_access", "refusal code")
        truth(refused.detail.isNotEmpty()) { "readable refusal" }
        // One `when` over the sealed class, as an app handles it.
        val shown = when (val e: AjarException = refused) {
            is AjarException.NotSignedIn -> "sign in"
            is AjarException.Refused -> "refused: ${e.code}"
            is AjarException.Network -> "offline"
            is AjarException.NotFound -> "gone"
            is AjarException.Unsupported -> "unsupported"
            is AjarException.InvalidInput -> "invalid"
            is AjarException.Other -> "other"
        }
        eq(shown, "refused: guest_link_exceeds_issuer_access", "when over AjarException")
        dir.deleteRecursively()
    }

    test("a failing Kotlin store is AjarException.Other and saves no profile") {
        val s = srv.seed()
        for (unexpected in listOf(false, true)) {
            val dir = tempDir()
            val client = AjarClient(dir.path, LockedStore(unexpected))
            val e = throws<AjarException.Other> { client.signIn("work", srv.url, s.token) }
            truth(e.detail.contains("secret store")) { e.detail }
            if (!unexpected) truth(e.detail.contains("keychain locked")) { e.detail }
            eq(client.profiles(), emptyList(), "no profile")
            dir.deleteRecursively()
        }
    }

    test("200 concurrent suspend calls") {
        val s = srv.seed()
        val session = member(s)
        val t0 = System.nanoTime()
        val ids = coroutineScope { (1..200).map { async(Dispatchers.Default) { session.identity() } }.awaitAll() }
        val tIdentity = (System.nanoTime() - t0) / 1_000_000
        eq(ids.toSet(), setOf(session.identity()), "one identity")
        val t1 = System.nanoTime()
        val lists = coroutineScope { (1..200).map { async(Dispatchers.IO) { session.entries() } }.awaitAll() }
        val tEntries = (System.nanoTime() - t1) / 1_000_000
        eq(lists.map { it.entries.size }.toSet(), setOf(3), "every list")
        val unlocks = coroutineScope { (1..50).map { async { session.unlock("Main Entrance") } }.awaitAll() }
        truth(unlocks.all { it is UnlockOutcome.Confirmed }) { "all confirmed: ${unlocks.take(3)}" }
        eq(unlocks.map { (it as UnlockOutcome.Confirmed).actionAttemptId }.toSet().size, 50, "distinct attempts")
        println("     200x identity(): $tIdentity ms; 200x entries(): $tEntries ms")
    }

    test("cancelled calls leave the session usable") {
        val s = srv.seed()
        val session = member(s)
        coroutineScope {
            val jobs = (1..20).map { launch(Dispatchers.Default) { session.entries() } }
            yield()
            jobs.forEachIndexed { i, j -> if (i % 2 == 0) j.cancel() }
            jobs.forEach { it.join() }
        }
        // A caller that gives up after 1 ms: the call is cancelled (or, rarely, already done).
        val quick = withTimeoutOrNull(1) { session.unlock("Main Entrance") }
        truth(quick == null || quick is UnlockOutcome.Confirmed) { "$quick" }
        eq(session.entries().entries.size, 3, "still works")
    }

    test("sync methods from many threads; closed objects refuse calls") {
        val s = srv.seed()
        val dir = tempDir()
        val client = AjarClient(dir.path, MapStore())
        val session = client.signIn("work", srv.url, s.token)
        session.entries()
        val pool = Executors.newFixedThreadPool(8)
        try {
            val results = (1..400).map {
                pool.submit<Triple<String, Int, Int>> {
                    Triple(session.server(), client.profiles().size, session.cachedEntries()!!.entries.size)
                }
            }.map { it.get() }.toSet()
            eq(results, setOf(Triple(srv.url, 1, 3)), "sync results")
        } finally {
            pool.shutdown()
        }
        session.close()
        throws<IllegalStateException> { session.server() }
        client.close()
        dir.deleteRecursively()
    }

}
