// DoorsScreen: the doors the user may open, each with its Unlock button and last result
// (confirmed / not confirmed / refused and why, announced to TalkBack), the stale-cache banner
// with its age (ticking while shown), Refresh, Share and Sign out.
package dev.ajar.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import dev.ajar.app.SignedIn
import dev.ajar.app.model.Tone
import dev.ajar.app.model.UnlockState
import dev.ajar.app.model.accessText
import dev.ajar.app.model.doorStatusText
import dev.ajar.app.model.unlockButtonLabel
import dev.ajar.core.Entry
import kotlinx.coroutines.delay

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun DoorsScreen(signedIn: SignedIn, onSignOut: () -> Unit, onSessionEnded: (String?) -> Unit) {
    val model = signedIn.doors
    val state by model.state.collectAsStateWithLifecycle()
    val share by signedIn.share.collectAsStateWithLifecycle()

    LaunchedEffect(state.stale) {
        while (state.stale) {
            delay(60_000)
            model.tick()
        }
    }
    LaunchedEffect(state.signedOut) {
        if (state.signedOut) onSessionEnded(state.error)
    }

    Scaffold(
        topBar = {
            TopAppBar(
                title = {
                    Column {
                        Text("Doors", modifier = Modifier.semantics { heading() })
                        Text(
                            signedIn.label,
                            style = MaterialTheme.typography.labelSmall,
                            maxLines = 1,
                            overflow = TextOverflow.Ellipsis,
                        )
                    }
                },
                actions = {
                    TextButton(onClick = { model.refresh() }, enabled = !state.refreshing) { Text("Refresh") }
                    TextButton(onClick = { signedIn.openShare(null) }, enabled = state.doors.isNotEmpty()) { Text("Share") }
                    TextButton(onClick = onSignOut) { Text("Sign out") }
                },
            )
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            state.banner?.let { Banner(it, MaterialTheme.colorScheme.secondaryContainer) }
            state.error?.let { Banner(it, MaterialTheme.colorScheme.errorContainer) }
            when {
                !state.loaded && state.refreshing -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
                    CircularProgressIndicator()
                }
                state.loaded && state.doors.isEmpty() -> Text(
                    "No doors yet: ask an admin for access.",
                    modifier = Modifier.padding(24.dp),
                )
                else -> LazyColumn(contentPadding = PaddingValues(bottom = 24.dp)) {
                    items(state.doors, key = { it.acsEntranceId }) { door ->
                        DoorRow(
                            door = door,
                            unlock = state.unlockOf(door),
                            onUnlock = { model.unlock(door) },
                            onShare = { signedIn.openShare(door) },
                        )
                        HorizontalDivider()
                    }
                }
            }
        }
    }

    share?.let { ShareDialog(model = it, onDismiss = signedIn::closeShare) }
}

@Composable
private fun Banner(text: String, color: Color) {
    Surface(color = color, modifier = Modifier.fillMaxWidth()) {
        Text(
            text,
            style = MaterialTheme.typography.bodySmall,
            modifier = Modifier
                .padding(horizontal = 16.dp, vertical = 8.dp)
                .semantics { liveRegion = LiveRegionMode.Polite },
        )
    }
}

@Composable
private fun DoorRow(door: Entry, unlock: UnlockState, onUnlock: () -> Unit, onShare: () -> Unit) {
    val working = unlock == UnlockState.Working
    ListItem(
        headlineContent = { Text(door.name) },
        supportingContent = {
            Column(verticalArrangement = Arrangement.spacedBy(2.dp)) {
                Text(door.siteName, style = MaterialTheme.typography.bodySmall)
                doorStatusText(door)?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                accessText(door)?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                UnlockResult(unlock)
                TextButton(
                    onClick = onShare,
                    contentPadding = PaddingValues(0.dp),
                    modifier = Modifier.semantics { contentDescription = "Share access to ${door.name}" },
                ) {
                    Text("Share access…")
                }
            }
        },
        trailingContent = {
            Button(
                onClick = onUnlock,
                enabled = door.canUnlock && !working,
                modifier = Modifier.semantics { contentDescription = unlockButtonLabel(door) },
            ) {
                if (working) {
                    CircularProgressIndicator(Modifier.size(18.dp), strokeWidth = 2.dp)
                } else {
                    Text("Unlock")
                }
            }
        },
    )
}

@Composable
private fun UnlockResult(unlock: UnlockState) {
    val (text, color) = when (unlock) {
        UnlockState.Idle, UnlockState.Working -> return
        is UnlockState.Done -> unlock.text to when (unlock.tone) {
            Tone.Success -> MaterialTheme.colorScheme.primary
            Tone.Warning -> MaterialTheme.colorScheme.tertiary
            Tone.Error -> MaterialTheme.colorScheme.error
        }
        is UnlockState.Failed -> unlock.text to MaterialTheme.colorScheme.error
    }
    Text(
        text,
        color = color,
        style = MaterialTheme.typography.bodyMedium,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}
