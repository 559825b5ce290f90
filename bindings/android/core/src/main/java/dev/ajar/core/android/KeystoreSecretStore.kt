// KeystoreSecretStore: the app's SecretStore (the foreign trait the Rust core keeps tokens in),
// backed by the Android Keystore. Each secret is sealed with AES-256-GCM under a non-exportable
// Keystore key, bound to its name, and only the ciphertext is written to private
// SharedPreferences: tokens never reach disk (or a backup) in plain text.
//
// This is what androidx.security:security-crypto's EncryptedSharedPreferences did; that library is
// deprecated (its docs point to KeyGenerator with the AndroidKeyStore), so it is done here directly.
package dev.ajar.core.android

import android.content.Context
import android.content.SharedPreferences
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import dev.ajar.core.AjarException
import dev.ajar.core.SecretStore
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.util.Base64
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

class KeystoreSecretStore(
    context: Context,
    prefsName: String = "ajar_secrets",
    private val keyAlias: String = "ajar_secret_store",
) : SecretStore {
    private val prefs: SharedPreferences =
        context.applicationContext.getSharedPreferences(prefsName, Context.MODE_PRIVATE)

    /** The core calls from its own threads; one lock covers key creation and each read-write. */
    private val lock = Any()

    override fun get(key: String): String? = synchronized(lock) {
        val stored = prefs.getString(key, null) ?: return null
        try {
            unseal(key, stored)
        } catch (e: AEADBadTagException) {
            // The Keystore key changed (lock screen removed, app data restored elsewhere): the
            // secret is unreadable for good. Forget it, so the core asks the user to sign in again.
            prefs.edit().remove(key).commit()
            null
        } catch (e: GeneralSecurityException) {
            throw AjarException.Other("cannot read the token from the Android Keystore: ${e.message}")
        } catch (e: IllegalArgumentException) {
            // Not ours (bad Base64 or too short): as unreadable as a changed key.
            prefs.edit().remove(key).commit()
            null
        }
    }

    override fun set(key: String, secret: String) {
        synchronized(lock) {
            val sealed = try {
                seal(key, secret)
            } catch (e: GeneralSecurityException) {
                throw AjarException.Other("cannot protect the token with the Android Keystore: ${e.message}")
            }
            // commit(), not apply(): the core reports a sign-in only once the token is stored.
            if (!prefs.edit().putString(key, sealed).commit()) {
                throw AjarException.Other("cannot save the token")
            }
        }
    }

    override fun delete(key: String) {
        synchronized(lock) {
            if (!prefs.edit().remove(key).commit()) {
                throw AjarException.Other("cannot delete the token")
            }
        }
    }

    /** Base64 of IV ‖ ciphertext+tag; the secret's name is authenticated data. */
    private fun seal(name: String, secret: String): String {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        val sealed = cipher.iv + cipher.doFinal(secret.toByteArray(Charsets.UTF_8))
        return Base64.getEncoder().encodeToString(sealed)
    }

    private fun unseal(name: String, stored: String): String {
        val bytes = Base64.getDecoder().decode(stored)
        require(bytes.size > IV_BYTES) { "too short" }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES))
        cipher.updateAAD(name.toByteArray(Charsets.UTF_8))
        return String(cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES), Charsets.UTF_8)
    }

    /** The Keystore key, created on first use; its material never leaves the Keystore. */
    private fun key(): SecretKey {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(keyAlias, null) as? SecretKey)?.let { return it }
        val spec = KeyGenParameterSpec.Builder(
            keyAlias,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
            .apply { init(spec) }
            .generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
