// AppViewModel: which screen shows — the saved profile opened at start (offline too), sign-in
// through SignInModel (codes typed, pasted or arriving as a scanned `ajar:` link), sign-out — and
// the SignedIn session the door list works on.
package dev.ajar.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import dev.ajar.app.model.CallResult
import dev.ajar.app.model.DEFAULT_PROFILE
import dev.ajar.app.model.SignInModel
import dev.ajar.app.model.attempt
import dev.ajar.core.AjarClient
import dev.ajar.core.AjarSession
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

sealed interface Screen {
    data object Starting : Screen

    /** [back] returns to the open session when a new code arrived while signed in. */
    data class SignIn(val notice: String? = null, val back: SignedIn? = null) : Screen

    data class Doors(val signedIn: SignedIn) : Screen
}

class AppViewModel(application: Application) : AndroidViewModel(application) {
    private val client: AjarClient
        get() = getApplication<AjarApplication>().client

    private val _screen = MutableStateFlow<Screen>(Screen.Starting)
    val screen: StateFlow<Screen> = _screen.asStateFlow()

    /** Created once the client is loaded (the first screen needing it comes after start()). */
    val signIn: SignInModel by lazy {
        SignInModel(client, viewModelScope, onSignedIn = { session -> viewModelScope.launch { enter(session) } })
    }

    /** A code that arrived before the saved profile was opened. */
    private var pendingCode: String? = null

    init {
        viewModelScope.launch { start() }
    }

    /** An `ajar:signin?…` link (a scanned QR): fill in the form; the user confirms. */
    fun onSignInLink(code: String) {
        when (val now = _screen.value) {
            Screen.Starting -> pendingCode = code
            is Screen.SignIn -> signIn.setCode(code)
            is Screen.Doors -> {
                signIn.setCode(code)
                _screen.value = Screen.SignIn(back = now.signedIn)
            }
        }
    }

    fun cancelSignIn() {
        (_screen.value as? Screen.SignIn)?.back?.let { _screen.value = Screen.Doors(it) }
    }

    /** Signs out on the server (best effort) and here, then shows sign-in. */
    fun signOut() {
        val current = (_screen.value as? Screen.Doors)?.signedIn ?: return
        _screen.value = Screen.Starting
        viewModelScope.launch {
            attempt { client.signOut(current.profile) }
            current.close()
            _screen.value = Screen.SignIn()
        }
    }

    /** The core said the token is gone or refused. */
    fun sessionEnded(reason: String?) {
        val current = (_screen.value as? Screen.Doors)?.signedIn ?: return
        current.close()
        _screen.value = Screen.SignIn(notice = reason ?: "Signed out: sign in again.")
    }

    private suspend fun start() {
        val profiles = withContext(Dispatchers.IO) { attempt { client.profiles() } }
        val opened = if (profiles is CallResult.Ok && profiles.value.isNotEmpty()) {
            attempt { client.session(null) }
        } else {
            null
        }
        when (opened) {
            is CallResult.Ok -> enter(opened.value)
            is CallResult.Failed -> _screen.value = Screen.SignIn(notice = opened.error.text)
            null -> _screen.value = Screen.SignIn(
                notice = (profiles as? CallResult.Failed)?.error?.text,
            )
        }
        pendingCode?.let {
            pendingCode = null
            onSignInLink(it)
        }
    }

    private suspend fun enter(session: AjarSession) {
        val profiles = withContext(Dispatchers.IO) { attempt { client.profiles() } }
        val profile = (profiles as? CallResult.Ok)?.value?.let { list -> list.firstOrNull { it.isDefault } ?: list.firstOrNull() }
        val previous = when (val now = _screen.value) {
            is Screen.Doors -> now.signedIn
            is Screen.SignIn -> now.back
            Screen.Starting -> null
        }
        previous?.close()
        _screen.value = Screen.Doors(
            SignedIn(
                session = session,
                label = profile?.let { "${it.label} · ${it.server}" } ?: session.server(),
                profile = profile?.name ?: DEFAULT_PROFILE,
                parent = viewModelScope,
            ),
        )
    }

    override fun onCleared() {
        (_screen.value as? Screen.Doors)?.signedIn?.close()
    }
}
