// SignInScreen: sign in with the code an admin or front desk handed over — pasted or typed here,
// or scanned: the phone's camera (or Google Lens) reads the sign-in QR and opens its `ajar:` link,
// which lands in this form (MainActivity) for the user to confirm. The server field appears only
// when the code does not name one.
package dev.ajar.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.imePadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.systemBarsPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import dev.ajar.app.model.SignInModel

@Composable
fun SignInScreen(model: SignInModel, notice: String?, onCancel: (() -> Unit)?) {
    val state by model.state.collectAsStateWithLifecycle()
    Column(
        modifier = Modifier
            .fillMaxSize()
            .systemBarsPadding()
            .imePadding()
            .verticalScroll(rememberScrollState())
            .padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text("Sign in to Ajar", style = MaterialTheme.typography.headlineMedium)
        Text(
            "Paste the sign-in code you were given. To scan its QR code, point the camera app at " +
                "it and open the link: Ajar opens with the code filled in.",
            style = MaterialTheme.typography.bodyMedium,
        )
        if (notice != null) {
            Text(notice, color = MaterialTheme.colorScheme.error)
        }
        OutlinedTextField(
            value = state.code,
            onValueChange = model::setCode,
            label = { Text("Sign-in code") },
            placeholder = { Text("ajar:signin?server=…&token=…") },
            minLines = 2,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri, imeAction = ImeAction.Next),
            modifier = Modifier.fillMaxWidth(),
        )
        state.codeServer?.let { server ->
            Text("Signs in to $server", style = MaterialTheme.typography.bodySmall)
        }
        if (state.needsServer) {
            OutlinedTextField(
                value = state.server,
                onValueChange = model::setServer,
                label = { Text("Server URL") },
                placeholder = { Text("https://doors.example.com") },
                singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri, imeAction = ImeAction.Done),
                modifier = Modifier.fillMaxWidth(),
            )
        }
        state.error?.let { error ->
            Text(
                error,
                color = MaterialTheme.colorScheme.error,
                modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
            )
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            if (onCancel != null) {
                TextButton(onClick = onCancel) { Text("Cancel") }
            }
            Button(onClick = { model.submit() }, enabled = state.canSubmit) {
                if (state.busy) {
                    CircularProgressIndicator(Modifier.size(18.dp), strokeWidth = 2.dp)
                } else {
                    Text("Sign in")
                }
            }
        }
    }
}
