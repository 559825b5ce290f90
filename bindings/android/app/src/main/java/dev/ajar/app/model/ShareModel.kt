// ShareModel: the Share dialog — which doors, the window (quick picks "Next hour" and "Today",
// or custom civil times in the site's zone), how many uses, the checks that need no server, and
// the share call whose payload feeds the share sheet and the QR code. Pure Kotlin over the
// generated `AjarSessionInterface` and java.time.
package dev.ajar.app.model

import dev.ajar.core.AjarSessionInterface
import dev.ajar.core.Entry
import dev.ajar.core.SharePayload
import dev.ajar.core.ShareRequest
import dev.ajar.core.ShareWindow
import java.time.Clock
import java.time.Duration
import java.time.Instant
import java.time.LocalDateTime
import java.time.LocalTime
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

enum class QuickPick(val label: String) {
    NextHour("Next hour"),
    Today("Today"),
    Custom("Custom"),
}

/** What the user filled in. Times are civil, in the doors' site zone: `2026-03-29 09:30`. */
data class ShareForm(
    val doorIds: Set<String> = emptySet(),
    val description: String = "",
    val pick: QuickPick = QuickPick.NextHour,
    /** Custom start; blank means now. */
    val from: String = "",
    /** Custom end. */
    val until: String = "",
    /** Blank means any number of uses. */
    val maxUses: String = "",
)

/** The form checked without the server (which decides again). */
sealed interface ShareCheck {
    data class Ready(val request: ShareRequest, val summary: String) : ShareCheck
    data class Invalid(val reason: String) : ShareCheck
}

data class ShareState(
    val form: ShareForm,
    val check: ShareCheck,
    val busy: Boolean = false,
    /** The created link: URL, QR PNG, subject and text for the share sheet. */
    val payload: SharePayload? = null,
    val error: String? = null,
)

/** "Today" needs at least this long left before 23:59 at the site. */
private val TODAY_MIN_LEFT: Duration = Duration.ofMinutes(15)
private val END_OF_DAY: LocalTime = LocalTime.of(23, 59)
private val wireFormat: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm")

/** The window of a quick pick, or why there is none. [zone] is the doors' site zone. */
fun quickWindow(pick: QuickPick, zone: ZoneId, now: Instant): Result<ShareWindow> = when (pick) {
    QuickPick.NextHour -> Result.success(ShareWindow.For(seconds = 3_600))
    QuickPick.Today -> {
        val local = now.atZone(zone)
        val end = local.toLocalDate().atTime(END_OF_DAY).atZone(zone)
        if (Duration.between(local, end) < TODAY_MIN_LEFT) {
            Result.failure(
                IllegalArgumentException(
                    "It is nearly midnight in ${zone.id}: pick Next hour or a custom end",
                ),
            )
        } else {
            Result.success(ShareWindow.Between(from = null, until = end.toLocalDateTime().format(wireFormat)))
        }
    }
    QuickPick.Custom -> Result.failure(IllegalArgumentException("Custom windows need their times"))
}

/**
 * A custom window from civil times typed as `2026-03-29 09:30` (or with a `T`). Refuses what the
 * core would: an unreadable time, a time skipped or repeated by a clock change, an end not after
 * the start (or not in the future when the start is now).
 */
fun customWindow(from: String, until: String, zone: ZoneId, now: Instant): Result<ShareWindow> {
    fun read(label: String, text: String): Result<LocalDateTime> {
        val t = runCatching { LocalDateTime.parse(text.trim().replace(' ', 'T')) }.getOrNull()
            ?: return Result.failure(IllegalArgumentException("$label: write it as 2026-03-29 09:30"))
        val offsets = zone.rules.getValidOffsets(t)
        return when {
            offsets.isEmpty() -> Result.failure(
                IllegalArgumentException("$label: ${t.format(wireFormat)} does not exist in ${zone.id} (clocks go forward)"),
            )
            offsets.size > 1 -> Result.failure(
                IllegalArgumentException("$label: ${t.format(wireFormat)} happens twice in ${zone.id} (clocks go back): pick another time"),
            )
            else -> Result.success(t)
        }
    }
    if (until.isBlank()) return Result.failure(IllegalArgumentException("Set when the link ends"))
    val end = read("End", until).getOrElse { return Result.failure(it) }
    val start = if (from.isBlank()) null else read("Start", from).getOrElse { return Result.failure(it) }
    val startInstant = start?.atZone(zone)?.toInstant() ?: now
    if (!end.atZone(zone).toInstant().isAfter(startInstant)) {
        val what = if (start == null) "in the future" else "after the start"
        return Result.failure(IllegalArgumentException("The end must be $what"))
    }
    return Result.success(ShareWindow.Between(from = start?.format(wireFormat), until = end.format(wireFormat)))
}

/** Checks [form] against the doors on screen, at [now]. */
fun checkShare(form: ShareForm, doors: List<Entry>, now: Instant): ShareCheck {
    val chosen = doors.filter { it.acsEntranceId in form.doorIds }
    if (chosen.isEmpty()) return ShareCheck.Invalid("Pick at least one door")
    val zones = chosen.map { it.timeZone }.distinct()
    if (zones.size > 1) {
        return ShareCheck.Invalid("Share the doors of one site per link (these are in ${zones.joinToString(" and ")})")
    }
    val zone = zoneOf(zones.single())
    val window = when (form.pick) {
        QuickPick.Custom -> customWindow(form.from, form.until, zone, now)
        else -> quickWindow(form.pick, zone, now)
    }.getOrElse { return ShareCheck.Invalid(it.message ?: "Check the times") }
    val maxUses = if (form.maxUses.isBlank()) {
        null
    } else {
        form.maxUses.trim().toUIntOrNull()?.takeIf { it > 0u }
            ?: return ShareCheck.Invalid("Uses: a whole number above 0, or blank for no limit")
    }
    val request = ShareRequest(
        entries = chosen.map { it.acsEntranceId },
        description = form.description.trim(),
        window = window,
        maxUses = maxUses,
    )
    val summary = listOf(
        chosen.joinToString(", ") { it.name },
        windowText(window, zone),
        usesText(maxUses),
    ).joinToString(" · ")
    return ShareCheck.Ready(request, summary)
}

class ShareModel(
    private val session: AjarSessionInterface,
    private val doors: List<Entry>,
    private val scope: CoroutineScope,
    preselected: Collection<String> = emptyList(),
    private val clock: Clock = Clock.systemUTC(),
) {
    private val _state = MutableStateFlow(
        ShareForm(doorIds = preselected.toSet()).let { ShareState(it, checkShare(it, doors, clock.instant())) },
    )
    val state: StateFlow<ShareState> = _state.asStateFlow()

    val choices: List<Entry> get() = doors

    fun toggleDoor(entry: Entry) = edit {
        val id = entry.acsEntranceId
        it.copy(doorIds = if (id in it.doorIds) it.doorIds - id else it.doorIds + id)
    }

    fun setDescription(text: String) = edit { it.copy(description = text) }
    fun pick(pick: QuickPick) = edit { it.copy(pick = pick) }
    fun setFrom(text: String) = edit { it.copy(from = text) }
    fun setUntil(text: String) = edit { it.copy(until = text) }
    fun setMaxUses(text: String) = edit { it.copy(maxUses = text) }

    /** Re-checks against the clock (a dialog left open past midnight). */
    fun recheck() = edit { it }

    /** Creates the link; the payload lands in [ShareState.payload]. */
    fun share(): Job? {
        recheck()
        val s = _state.value
        val ready = s.check as? ShareCheck.Ready ?: return null
        if (s.busy) return null
        _state.update { it.copy(busy = true, error = null) }
        return scope.launch {
            when (val r = attempt { session.share(ready.request) }) {
                is CallResult.Ok -> _state.update { it.copy(busy = false, payload = r.value) }
                is CallResult.Failed -> _state.update { it.copy(busy = false, error = r.error.text) }
            }
        }
    }

    private fun edit(change: (ShareForm) -> ShareForm) {
        _state.update {
            val form = change(it.form)
            it.copy(form = form, check = checkShare(form, doors, clock.instant()), error = null)
        }
    }
}
