// AjarRoot: picks the screen the AppViewModel says — starting, sign-in or the door list.
package dev.ajar.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import dev.ajar.app.AppViewModel
import dev.ajar.app.Screen

@Composable
fun AjarRoot(app: AppViewModel) {
    val screen by app.screen.collectAsStateWithLifecycle()
    when (val s = screen) {
        Screen.Starting -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
            CircularProgressIndicator()
        }
        is Screen.SignIn -> SignInScreen(
            model = app.signIn,
            notice = s.notice,
            onCancel = if (s.back != null) app::cancelSignIn else null,
        )
        is Screen.Doors -> DoorsScreen(
            signedIn = s.signedIn,
            onSignOut = app::signOut,
            onSessionEnded = app::sessionEnded,
        )
    }
}
