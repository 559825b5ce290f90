// SignInModel: the sign-in form — a code pasted, typed or handed over by a scanned `ajar:` link,
// the server field shown only when the code does not carry one, and the call to the core. Pure
// Kotlin over the generated `AjarClientInterface`.
package dev.ajar.app.model

import dev.ajar.core.AjarClientInterface
import dev.ajar.core.AjarSession
import java.net.URLDecoder
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** The profile the app signs in to: one account per install, like the CLI's default. */
const val DEFAULT_PROFILE = "default"

private const val CODE_PREFIX = "ajar:signin?"

/** What a pasted code tells before the core reads it: the server it names, if any. */
data class SignInCode(val server: String?, val isCode: Boolean)

/** Reads `ajar:signin?server=…&token=…` or a bare `seam_…` token; null when blank. */
fun readSignInCode(input: String): SignInCode? {
    val text = input.trim()
    if (text.isEmpty()) return null
    if (!text.startsWith(CODE_PREFIX)) return SignInCode(server = null, isCode = false)
    val server = text.removePrefix(CODE_PREFIX)
        .split('&')
        .map { it.substringBefore('=') to it.substringAfter('=', "") }
        .firstOrNull { it.first == "server" }
        ?.let { runCatching { URLDecoder.decode(it.second, "UTF-8") }.getOrNull() }
        ?.takeIf { it.isNotBlank() }
    return SignInCode(server = server, isCode = true)
}

data class SignInState(
    val code: String = "",
    val server: String = "",
    /** The code names no server: the form asks for its URL. */
    val needsServer: Boolean = false,
    /** The server the code names, shown so the user sees where a scanned link signs in. */
    val codeServer: String? = null,
    val busy: Boolean = false,
    val error: String? = null,
) {
    val canSubmit: Boolean
        get() = !busy && code.isNotBlank() && (!needsServer || server.isNotBlank())
}

class SignInModel(
    private val client: AjarClientInterface,
    private val scope: CoroutineScope,
    private val onSignedIn: (AjarSession) -> Unit,
    private val profile: String = DEFAULT_PROFILE,
) {
    private val _state = MutableStateFlow(SignInState())
    val state: StateFlow<SignInState> = _state.asStateFlow()

    /** A typed or pasted code, or the `ajar:signin?…` URI a scanned QR opened the app with. */
    fun setCode(code: String) {
        val read = readSignInCode(code)
        _state.update {
            it.copy(
                code = code,
                codeServer = read?.server,
                needsServer = read != null && read.server == null,
                error = null,
            )
        }
    }

    fun setServer(server: String) {
        _state.update { it.copy(server = server, error = null) }
    }

    fun submit(): Job? {
        val s = _state.value
        if (!s.canSubmit) return null
        _state.update { it.copy(busy = true, error = null) }
        val server = s.server.trim().takeIf { s.needsServer && it.isNotEmpty() }
        return scope.launch {
            when (val r = attempt { client.signIn(profile, server, s.code.trim()) }) {
                is CallResult.Ok -> {
                    _state.update { SignInState() }
                    onSignedIn(r.value)
                }
                is CallResult.Failed -> _state.update { it.copy(busy = false, error = r.error.text) }
            }
        }
    }
}
