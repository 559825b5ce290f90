// QrCode: the guest link's QR code, decoded from the core's PNG bytes and scaled without smoothing
// so it stays crisp and scannable from another phone.
package dev.ajar.app.ui

import android.graphics.BitmapFactory
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.size
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.unit.dp

@Composable
fun QrCode(png: ByteArray, modifier: Modifier = Modifier) {
    val bitmap = remember(png) { BitmapFactory.decodeByteArray(png, 0, png.size)?.asImageBitmap() } ?: return
    Image(
        bitmap = bitmap,
        contentDescription = "QR code of the guest link",
        filterQuality = FilterQuality.None,
        modifier = modifier.size(240.dp),
    )
}
