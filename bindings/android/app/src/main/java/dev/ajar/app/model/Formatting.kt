// Formatting: every sentence the app shows about doors, unlock results, errors, cache age and
// share windows. Pure Kotlin over the generated `dev.ajar.core` types and java.time (no Android),
// so the wording is compiled and unit-tested on the JVM and matches the CLI's.
package dev.ajar.app.model

import dev.ajar.core.AjarException
import dev.ajar.core.Entry
import dev.ajar.core.GuestLinkInfo
import dev.ajar.core.Identity
import dev.ajar.core.ShareWindow
import dev.ajar.core.UnlockOutcome
import java.time.Instant
import java.time.LocalDateTime
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

/** How a result reads at a glance; colours and icons are the UI's business. */
enum class Tone { Success, Warning, Error }

/** A failure in words for the user; [signedOut] asks the app to show sign-in again. */
data class UserError(val text: String, val signedOut: Boolean = false)

// ---- errors ---------------------------------------------------------------------------------

/**
 * The readable message an [AjarException] carries. The one place that names the generated field
 * (`detail`: bindings/uniffi.toml renames the Rust `message` field for Kotlin, where it would
 * clash with `Throwable.message`).
 */
val AjarException.detailText: String
    get() = when (this) {
        is AjarException.NotSignedIn -> detail
        is AjarException.Refused -> detail
        is AjarException.Network -> detail
        is AjarException.NotFound -> detail
        is AjarException.Unsupported -> detail
        is AjarException.InvalidInput -> detail
        is AjarException.Other -> detail
    }

/** The core's messages are already sentences ("cannot reach …: …"); they only need a capital. */
fun userError(e: Throwable): UserError = when (e) {
    is AjarException -> UserError(
        text = sentence(e.detailText),
        signedOut = e is AjarException.NotSignedIn,
    )
    else -> UserError(sentence(e.message ?: e.toString()))
}

internal fun sentence(s: String): String =
    s.trim().replaceFirstChar { if (it.isLowerCase()) it.titlecase() else it.toString() }

// ---- doors and unlocks ------------------------------------------------------------------------

/** The short result under a door: `Open (confirmed)`, `Not confirmed: …`, `Refused: …`. */
fun unlockText(outcome: UnlockOutcome): String = when (outcome) {
    is UnlockOutcome.Confirmed -> "Open (confirmed)"
    is UnlockOutcome.NotConfirmed -> "Not confirmed: ${outcome.reason}"
    is UnlockOutcome.Refused -> "Refused: ${outcome.message}"
}

/** The whole sentence, for announcements: `Main Entrance: open (confirmed)` (as the CLI says). */
fun unlockSentence(door: String, outcome: UnlockOutcome): String =
    "$door: ${unlockText(outcome).replaceFirstChar { it.lowercase() }}"

fun unlockTone(outcome: UnlockOutcome): Tone = when (outcome) {
    is UnlockOutcome.Confirmed -> Tone.Success
    is UnlockOutcome.NotConfirmed -> Tone.Warning
    is UnlockOutcome.Refused -> Tone.Error
}

/** The accessibility label of a door's Unlock button. */
fun unlockButtonLabel(entry: Entry): String = "Unlock ${entry.name}"

/** Why a door has no usable Unlock button, or null when it has one. */
fun doorStatusText(entry: Entry): String? = when {
    entry.isInLockdown -> "In lockdown"
    entry.accessMethodId == null -> "You have no key for this door"
    !entry.canUnlockWithCloudKey -> "Cannot be opened from a phone"
    else -> null
}

/** The user's own access window at a door, e.g. `Your access: until 2026-03-29 17:00`. */
fun accessText(entry: Entry): String? {
    val zone = zoneOf(entry.timeZone)
    val from = entry.accessStartsAt?.let { civilText(it, zone) }
    val until = entry.accessEndsAt?.let { civilText(it, zone) }
    return when {
        from != null && until != null -> "Your access: ${span(from, until)}"
        until != null -> "Your access: until $until"
        from != null -> "Your access: from $from"
        else -> null
    }
}

fun identityText(identity: Identity): String = when (identity) {
    is Identity.User -> "${identity.displayName} (${identity.role.replace('_', ' ')})"
    Identity.ApiKey -> "API key"
}

// ---- cache age --------------------------------------------------------------------------------

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago` (as the CLI says it). */
fun ageText(seconds: Long): String {
    val s = seconds.coerceAtLeast(0)
    return when {
        s < 60 -> "just now"
        s < 3_600 -> "${s / 60} min ago"
        s < 172_800 -> "${s / 3_600} h ago"
        else -> "${s / 86_400} days ago"
    }
}

/** The banner over a cached list: still refreshing, or the server could not be reached. */
fun staleBannerText(ageSeconds: Long, refreshing: Boolean, server: String): String =
    if (refreshing) {
        "Showing the doors cached ${ageText(ageSeconds)}; refreshing…"
    } else {
        "Cannot reach $server: showing the doors cached ${ageText(ageSeconds)}."
    }

// ---- windows ----------------------------------------------------------------------------------

/** `45 min`, `1 h`, `1 h 30 min`, `2 days`, `3 days 4 h`. Rounds up to the minute. */
fun durationText(seconds: Long): String {
    val minutes = (seconds.coerceAtLeast(0) + 59) / 60
    val days = minutes / 1_440
    val hours = minutes % 1_440 / 60
    val mins = minutes % 60
    return when {
        days > 0 -> listOfNotNull(
            if (days == 1L) "1 day" else "$days days",
            if (hours > 0) "$hours h" else null,
        ).joinToString(" ")
        hours > 0 -> listOfNotNull("$hours h", if (mins > 0) "$mins min" else null).joinToString(" ")
        else -> "$mins min"
    }
}

private val civilFormat: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")

/** A zone by IANA name, UTC when the name is unknown here. */
fun zoneOf(name: String): ZoneId = runCatching { ZoneId.of(name) }.getOrDefault(ZoneOffset.UTC)

/**
 * `2026-03-29 17:00`, from a civil time (`2026-03-29T17:00`, read as is) or an RFC 3339 instant
 * (shown in [zone]). Anything else is returned unchanged.
 */
fun civilText(time: String, zone: ZoneId): String {
    val t = time.trim()
    runCatching { return OffsetDateTime.parse(t).atZoneSameInstant(zone).format(civilFormat) }
    runCatching { return LocalDateTime.parse(t.replace(' ', 'T')).format(civilFormat) }
    return t
}

/** `2026-03-29 09:00 – 17:00`, repeating the end's date only when it differs. */
fun span(from: String, until: String): String {
    val sameDay = from.length >= 16 && until.length >= 16 && from.take(10) == until.take(10)
    return "$from – ${if (sameDay) until.drop(11) else until}"
}

/** A window being chosen: `for 1 h from now`, `from now until 2026-03-29 23:59 (Europe/Berlin)`. */
fun windowText(window: ShareWindow, zone: ZoneId): String = when (window) {
    is ShareWindow.For -> "for ${durationText(window.seconds)} from now"
    is ShareWindow.Between -> {
        val until = civilText(window.until, zone)
        val from = window.from
        if (from == null) {
            "from now until $until (${zone.id})"
        } else {
            "${span(civilText(from, zone), until)} (${zone.id})"
        }
    }
}

/** A created link's window in its site's zone: `2026-03-29 09:00 – 23:59 (Europe/Berlin)`. */
fun linkWindowText(link: GuestLinkInfo): String {
    val zone = zoneOf(link.timeZone)
    return "${span(civilText(link.startsAtLocal, zone), civilText(link.endsAtLocal, zone))} (${link.timeZone})"
}

/** `any number of times`, `once`, `3 times`. */
fun usesText(maxUses: UInt?): String = when (maxUses) {
    null -> "any number of times"
    1u -> "once"
    else -> "$maxUses times"
}

/** Seconds between an RFC 3339 instant and [now], or null when it does not parse. */
fun secondsSince(rfc3339: String, now: Instant): Long? =
    runCatching { now.epochSecond - OffsetDateTime.parse(rfc3339).toEpochSecond() }.getOrNull()
