// ShareDialog: share guest access — tick the doors, pick the window (Next hour, Today, or custom
// times in the site's zone), optionally a note and a use limit; then the created link as a QR code
// with its window, and buttons handing it to the Android share sheet (text, or the QR image).
package dev.ajar.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import dev.ajar.app.model.QuickPick
import dev.ajar.app.model.ShareCheck
import dev.ajar.app.model.ShareModel
import dev.ajar.app.model.ShareState
import dev.ajar.app.model.linkWindowText
import dev.ajar.app.share.ShareSheet
import dev.ajar.core.SharePayload
import kotlinx.coroutines.delay

@Composable
fun ShareDialog(model: ShareModel, onDismiss: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val payload = state.payload

    // "Today" and "in the future" depend on the clock: keep the check current while open.
    LaunchedEffect(model) {
        while (true) {
            delay(30_000)
            model.recheck()
        }
    }

    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(if (payload == null) "Share guest access" else "Guest link ready") },
        text = {
            Column(
                modifier = Modifier.verticalScroll(rememberScrollState()),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                if (payload == null) ShareForm(model, state) else ShareResult(payload)
            }
        },
        confirmButton = {
            if (payload == null) {
                Button(
                    onClick = { model.share() },
                    enabled = state.check is ShareCheck.Ready && !state.busy,
                ) {
                    if (state.busy) {
                        CircularProgressIndicator(Modifier.size(18.dp), strokeWidth = 2.dp)
                    } else {
                        Text("Create link")
                    }
                }
            } else {
                Button(onClick = { ShareSheet.shareText(context, payload) }) { Text("Share link…") }
            }
        },
        dismissButton = {
            if (payload == null) {
                TextButton(onClick = onDismiss) { Text("Cancel") }
            } else {
                Row {
                    TextButton(onClick = { ShareSheet.shareQrCode(context, payload) }) { Text("Share QR…") }
                    TextButton(onClick = onDismiss) { Text("Done") }
                }
            }
        },
    )
}

@Composable
private fun ShareForm(model: ShareModel, state: ShareState) {
    val form = state.form
    Text("Doors", style = MaterialTheme.typography.titleSmall)
    model.choices.forEach { door ->
        val checked = door.acsEntranceId in form.doorIds
        Row(
            verticalAlignment = Alignment.CenterVertically,
            modifier = Modifier
                .fillMaxWidth()
                .toggleable(value = checked, role = Role.Checkbox, onValueChange = { model.toggleDoor(door) }),
        ) {
            Checkbox(checked = checked, onCheckedChange = null)
            Text("${door.name} · ${door.siteName}")
        }
    }

    Text("Valid", style = MaterialTheme.typography.titleSmall)
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        QuickPick.entries.forEach { pick ->
            FilterChip(
                selected = form.pick == pick,
                onClick = { model.pick(pick) },
                label = { Text(pick.label) },
            )
        }
    }
    if (form.pick == QuickPick.Custom) {
        val zone = model.choices.firstOrNull { it.acsEntranceId in form.doorIds }?.timeZone
        Text(
            "Times are the doors' local time${zone?.let { " ($it)" } ?: ""}, like 2026-03-29 09:30.",
            style = MaterialTheme.typography.bodySmall,
        )
        OutlinedTextField(
            value = form.from,
            onValueChange = model::setFrom,
            label = { Text("Starts (blank: now)") },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = form.until,
            onValueChange = model::setUntil,
            label = { Text("Ends") },
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
    }

    OutlinedTextField(
        value = form.description,
        onValueChange = model::setDescription,
        label = { Text("Note for the guest (optional)") },
        modifier = Modifier.fillMaxWidth(),
    )
    OutlinedTextField(
        value = form.maxUses,
        onValueChange = model::setMaxUses,
        label = { Text("Uses (blank: no limit)") },
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
        modifier = Modifier.fillMaxWidth(),
    )

    val (text, isError) = when (val check = state.check) {
        is ShareCheck.Ready -> check.summary to false
        is ShareCheck.Invalid -> check.reason to true
    }
    Text(
        state.error ?: text,
        color = if (isError || state.error != null) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurfaceVariant,
        style = MaterialTheme.typography.bodySmall,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}

@Composable
private fun ColumnScope.ShareResult(payload: SharePayload) {
    QrCode(png = payload.qrPng, modifier = Modifier.align(Alignment.CenterHorizontally))
    Text(linkWindowText(payload.link), style = MaterialTheme.typography.bodyMedium)
    SelectionContainer {
        Text(payload.url, style = MaterialTheme.typography.bodySmall)
    }
    Text(
        "Anyone with this link can open these doors during that window: send it only to your guest.",
        style = MaterialTheme.typography.bodySmall,
    )
}
