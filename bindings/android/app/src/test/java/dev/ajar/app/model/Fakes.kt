// Fakes: an in-memory AjarSessionInterface / AjarClientInterface and door fixtures for the model
// tests, so they run on the JVM without the native library.
package dev.ajar.app.model

import dev.ajar.core.ActivityEvent
import dev.ajar.core.ActivityFilter
import dev.ajar.core.AjarClientInterface
import dev.ajar.core.AjarSession
import dev.ajar.core.AjarSessionInterface
import dev.ajar.core.Entry
import dev.ajar.core.EntryList
import dev.ajar.core.GuestLinkInfo
import dev.ajar.core.Identity
import dev.ajar.core.NoHandle
import dev.ajar.core.Profile
import dev.ajar.core.SharePayload
import dev.ajar.core.ShareRequest
import dev.ajar.core.UnlockOutcome
import java.time.Clock
import java.time.Instant
import java.time.ZoneOffset

fun door(
    id: String,
    name: String,
    zone: String = "Europe/Berlin",
    key: Boolean = true,
    lockdown: Boolean = false,
    endsAt: String? = null,
) = Entry(
    acsEntranceId = id,
    name = name,
    siteId = "site-$zone",
    siteName = "HQ",
    timeZone = zone,
    canUnlockWithCloudKey = true,
    isInLockdown = lockdown,
    isLocked = true,
    canUnlock = key && !lockdown,
    accessMethodId = if (key) "key-$id" else null,
    accessStartsAt = null,
    accessEndsAt = endsAt,
    isOnline = true,
    unlockedUntil = null,
)

fun fixedClock(at: String): Clock = Clock.fixed(Instant.parse(at), ZoneOffset.UTC)

fun link(window: Pair<String, String> = "2026-03-29T10:00:00+02:00" to "2026-03-29T23:59:00+02:00") =
    GuestLinkInfo(
        guestLinkId = "00000000-0000-0000-0000-000000000001",
        issuerName = "Ada",
        description = "",
        acsEntranceIds = listOf("d1"),
        startsAt = "2026-03-29T08:00:00.000Z",
        endsAt = "2026-03-29T21:59:00.000Z",
        timeZone = "Europe/Berlin",
        startsAtLocal = window.first,
        endsAtLocal = window.second,
        state = "active",
        maxUnlockCount = null,
        unlockCount = 0u,
        lastUnlockedAt = null,
    )

fun payload() = SharePayload(
    link = link(),
    url = "https://ajar.example/g/abc",
    qrSvg = "<svg/>",
    qrPng = byteArrayOf(1, 2, 3),
    subject = "Ada shared Main Entrance with you",
    text = "Ada shared Main Entrance with you, until 2026-03-29 23:59 (Europe/Berlin).",
    mailto = "mailto:?",
    sms = "sms:?",
    slackMessageJson = "{}",
    webhookUrls = emptyList(),
)

/** Answers what the test sets; records what the model asked. */
class FakeSession(
    var cached: EntryList? = null,
    var fresh: suspend () -> EntryList = { error("no entries set") },
    var unlockAnswer: suspend (String) -> UnlockOutcome = { UnlockOutcome.Confirmed("attempt-$it") },
    var shareAnswer: suspend (ShareRequest) -> SharePayload = { payload() },
) : AjarSessionInterface {
    val unlocked = mutableListOf<String>()
    val shared = mutableListOf<ShareRequest>()

    override fun server() = "https://ajar.example"
    override fun cachedEntries() = cached
    override suspend fun entries() = fresh()
    override suspend fun unlock(entry: String): UnlockOutcome {
        unlocked += entry
        return unlockAnswer(entry)
    }
    override suspend fun share(request: ShareRequest): SharePayload {
        shared += request
        return shareAnswer(request)
    }
    override suspend fun identity(): Identity = Identity.User("u1", "Ada", "member")
    override suspend fun activity(filter: ActivityFilter): List<ActivityEvent> = emptyList()
    override suspend fun link(guestLinkId: String): GuestLinkInfo = link()
    override suspend fun links(state: String?): List<GuestLinkInfo> = emptyList()
    override suspend fun postToSlack(webhookUrl: String, payload: SharePayload) = Unit
    override suspend fun revokeLink(guestLinkId: String) = Unit
}

/** Signs in anything; the session it returns is a handle-less stand-in. */
class FakeClient(var signInAnswer: (String, String?, String) -> AjarSession = { _, _, _ -> AjarSession(NoHandle) }) :
    AjarClientInterface {
    val signIns = mutableListOf<Triple<String, String?, String>>()

    override fun profiles(): List<Profile> = emptyList()
    override suspend fun session(name: String?): AjarSession = AjarSession(NoHandle)
    override suspend fun signIn(name: String, server: String?, tokenOrCode: String): AjarSession {
        signIns += Triple(name, server, tokenOrCode)
        return signInAnswer(name, server, tokenOrCode)
    }
    override suspend fun signOut(name: String) = true
}
