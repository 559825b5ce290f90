// DoorsModel: the door list's state and actions — instant start from the cache, refresh, the
// stale banner with the cache's age, and one unlock result per door. Pure Kotlin over the
// generated `AjarSessionInterface` (the real session in the app, a fake in unit tests); the
// Android ViewModel only hands it a scope.
package dev.ajar.app.model

import dev.ajar.core.AjarSessionInterface
import dev.ajar.core.Entry
import dev.ajar.core.EntryList
import java.time.Clock
import java.time.Instant
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** The last unlock of one door. */
sealed interface UnlockState {
    data object Idle : UnlockState
    data object Working : UnlockState
    data class Done(val text: String, val tone: Tone) : UnlockState
    data class Failed(val text: String) : UnlockState
}

data class DoorsState(
    val doors: List<Entry> = emptyList(),
    /** A list is on screen (from the cache or the server). */
    val loaded: Boolean = false,
    val refreshing: Boolean = false,
    /** The list comes from the cache: the server was not reached (yet). */
    val stale: Boolean = false,
    /** When the shown list was fetched from the server. */
    val fetchedAt: Instant? = null,
    /** The banner over the list (cache age), or null for none. */
    val banner: String? = null,
    /** The last refresh failed; shown until the next one. */
    val error: String? = null,
    /** The token is gone or refused: the app goes back to sign-in. */
    val signedOut: Boolean = false,
    /** By `acsEntranceId`. */
    val unlocks: Map<String, UnlockState> = emptyMap(),
) {
    fun unlockOf(entry: Entry): UnlockState = unlocks[entry.acsEntranceId] ?: UnlockState.Idle
}

class DoorsModel(
    private val session: AjarSessionInterface,
    private val scope: CoroutineScope,
    private val clock: Clock = Clock.systemUTC(),
    /** Where the synchronous core calls (SQLite reads) run. */
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow(DoorsState())
    val state: StateFlow<DoorsState> = _state.asStateFlow()

    private var refreshJob: Job? = null
    private val server: String by lazy { session.server() }

    /** Shows the cached doors at once, then asks the server. */
    fun start(): Job = scope.launch {
        val cached = attempt { withContext(io) { session.cachedEntries() } }
        if (cached is CallResult.Ok && cached.value != null && !_state.value.loaded) {
            show(cached.value)
        }
        refresh().join()
    }

    /** Fetches the doors; offline, the core answers the cache marked stale. One at a time. */
    fun refresh(): Job {
        refreshJob?.takeIf { it.isActive }?.let { return it }
        _state.update { it.copy(refreshing = true).withBanner() }
        return scope.launch {
            when (val r = attempt { session.entries() }) {
                is CallResult.Ok -> show(r.value)
                is CallResult.Failed -> _state.update {
                    it.copy(error = r.error.text, signedOut = it.signedOut || r.error.signedOut)
                }
            }
            _state.update { it.copy(refreshing = false).withBanner() }
        }.also { refreshJob = it }
    }

    /** Unlocks [entry] by id; ignored while that door's previous unlock is still running. */
    fun unlock(entry: Entry): Job? {
        val id = entry.acsEntranceId
        var started = false
        _state.update {
            if (it.unlockOf(entry) == UnlockState.Working) {
                it
            } else {
                started = true
                it.copy(unlocks = it.unlocks + (id to UnlockState.Working))
            }
        }
        if (!started) return null
        return scope.launch {
            val result = when (val r = attempt { session.unlock(id) }) {
                is CallResult.Ok -> UnlockState.Done(unlockText(r.value), unlockTone(r.value))
                is CallResult.Failed -> {
                    if (r.error.signedOut) _state.update { it.copy(signedOut = true) }
                    UnlockState.Failed(r.error.text)
                }
            }
            _state.update { it.copy(unlocks = it.unlocks + (id to result)) }
        }
    }

    /** Clears a door's shown result. */
    fun dismiss(entry: Entry) {
        _state.update { s ->
            if (s.unlockOf(entry) == UnlockState.Working) s
            else s.copy(unlocks = s.unlocks - entry.acsEntranceId)
        }
    }

    /** Recomputes the banner's age; the UI calls it every minute while a stale list shows. */
    fun tick() {
        _state.update { it.withBanner() }
    }

    private fun show(list: EntryList) {
        val now = clock.instant()
        val fetchedAt = secondsSince(list.fetchedAt, now)
            ?.let { now.minusSeconds(it) }
            ?: now.minusSeconds(list.ageSeconds)
        _state.update {
            it.copy(
                doors = list.entries,
                loaded = true,
                stale = list.stale,
                fetchedAt = fetchedAt,
                error = if (list.stale) it.error else null,
            ).withBanner()
        }
    }

    private fun DoorsState.withBanner(): DoorsState {
        val at = fetchedAt
        val banner = if (stale && at != null) {
            val age = clock.instant().epochSecond - at.epochSecond
            staleBannerText(age, refreshing, server)
        } else {
            null
        }
        return copy(banner = banner)
    }
}
