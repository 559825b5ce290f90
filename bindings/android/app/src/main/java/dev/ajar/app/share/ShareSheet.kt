// ShareSheet: hands a SharePayload to Android's share sheet (ACTION_SEND) — the text with its
// subject, or the QR code as a PNG through the FileProvider with the text alongside — and removes
// those PNGs again (they carry a live link) when the app starts.
package dev.ajar.app.share

import android.content.ClipData
import android.content.Context
import android.content.Intent
import androidx.core.content.FileProvider
import dev.ajar.app.R
import dev.ajar.core.SharePayload
import java.io.File

object ShareSheet {
    private const val DIR = "shared" // res/xml/file_paths.xml exposes exactly this cache folder

    /** `text/plain`: the subject for mail, the text (with the URL) for everything else. */
    fun shareText(context: Context, payload: SharePayload) {
        val send = Intent(Intent.ACTION_SEND).apply {
            type = "text/plain"
            putExtra(Intent.EXTRA_SUBJECT, payload.subject)
            putExtra(Intent.EXTRA_TEXT, payload.text)
            putExtra(Intent.EXTRA_TITLE, payload.subject)
        }
        context.startActivity(Intent.createChooser(send, context.getString(R.string.share_chooser_title)))
    }

    /** `image/png`: the QR code, readable by the share sheet's preview and the chosen app only. */
    fun shareQrCode(context: Context, payload: SharePayload) {
        val dir = File(context.cacheDir, DIR).apply { mkdirs() }
        val file = File(dir, "ajar-guest-link.png").apply { writeBytes(payload.qrPng) }
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.files", file)
        val send = Intent(Intent.ACTION_SEND).apply {
            type = "image/png"
            putExtra(Intent.EXTRA_STREAM, uri)
            putExtra(Intent.EXTRA_SUBJECT, payload.subject)
            putExtra(Intent.EXTRA_TEXT, payload.text)
            clipData = ClipData.newRawUri(payload.subject, uri)
            addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        }
        context.startActivity(Intent.createChooser(send, context.getString(R.string.share_chooser_title)))
    }

    fun clearSharedFiles(context: Context) {
        File(context.cacheDir, DIR).deleteRecursively()
    }
}
