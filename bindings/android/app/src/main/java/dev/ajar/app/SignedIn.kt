// SignedIn: everything that lives as long as one signed-in session — the door list model and the
// Share dialog's model — on a child scope of the AppViewModel, closed together on sign-out.
package dev.ajar.app

import dev.ajar.app.model.DoorsModel
import dev.ajar.app.model.ShareModel
import dev.ajar.core.AjarSession
import dev.ajar.core.Entry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

class SignedIn(
    val session: AjarSession,
    /** Who is signed in where, for the top bar. */
    val label: String,
    /** The profile to sign out of. */
    val profile: String,
    parent: CoroutineScope,
) {
    private val scope = parent.child()
    val doors = DoorsModel(session, scope)

    private val _share = MutableStateFlow<ShareModel?>(null)
    val share: StateFlow<ShareModel?> = _share.asStateFlow()
    private var shareScope: CoroutineScope? = null

    init {
        doors.start()
    }

    /** Opens the Share dialog, with [door] ticked when it was opened from that door's row. */
    fun openShare(door: Entry?) {
        closeShare()
        val child = scope.child()
        shareScope = child
        _share.value = ShareModel(
            session = session,
            doors = doors.state.value.doors,
            scope = child,
            preselected = listOfNotNull(door?.acsEntranceId),
        )
    }

    fun closeShare() {
        shareScope?.cancel()
        shareScope = null
        _share.value = null
    }

    /** Stops every call of this session and frees it. */
    fun close() {
        scope.cancel()
        session.close()
    }

    private fun CoroutineScope.child(): CoroutineScope =
        CoroutineScope(coroutineContext + SupervisorJob(coroutineContext[Job]))
}
