// AjarApplication: owns the process-wide AjarClient — profiles and entry caches under the app's
// files dir, tokens in the Keystore-backed secret store — and clears QR codes shared earlier.
package dev.ajar.app

import android.app.Application
import dev.ajar.app.share.ShareSheet
import dev.ajar.core.AjarClient
import dev.ajar.core.android.KeystoreSecretStore
import java.io.File

class AjarApplication : Application() {
    /** Loads libajar_ffi.so on first use: touch it off the main thread (AppViewModel does). */
    val client: AjarClient by lazy {
        val dataDir = File(filesDir, "ajar").apply { mkdirs() }
        AjarClient(dataDir.path, KeystoreSecretStore(this))
    }

    override fun onCreate() {
        super.onCreate()
        ShareSheet.clearSharedFiles(this)
    }
}
