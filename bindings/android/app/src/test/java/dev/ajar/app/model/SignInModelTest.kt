// SignInModelTest: reading codes, when the server field shows, and what reaches the core.
package dev.ajar.app.model

import dev.ajar.core.AjarException
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class SignInModelTest {
    @Test
    fun readsCodes() {
        assertNull(readSignInCode("  "))
        assertEquals(
            SignInCode("https://ajar.example:8443/x", isCode = true),
            readSignInCode(" ajar:signin?server=https%3A%2F%2Fajar.example%3A8443%2Fx&token=seam_abcdefghijklmnop "),
        )
        assertEquals(SignInCode(null, isCode = true), readSignInCode("ajar:signin?token=seam_abcdefghijklmnop"))
        assertEquals(SignInCode(null, isCode = false), readSignInCode("seam_abcdefghijklmnop"))
    }

    @Test
    fun aCodeWithItsServerSignsInDirectly() = runBlocking {
        val client = FakeClient()
        var signedIn = 0
        val model = SignInModel(client, this, onSignedIn = { signedIn++ })
        model.setCode("ajar:signin?server=https%3A%2F%2Fajar.example&token=seam_abcdefghijklmnop")
        assertFalse(model.state.value.needsServer)
        assertEquals("https://ajar.example", model.state.value.codeServer)
        model.submit()!!.join()
        assertEquals(Triple(DEFAULT_PROFILE, null, "ajar:signin?server=https%3A%2F%2Fajar.example&token=seam_abcdefghijklmnop"), client.signIns.single())
        assertEquals(1, signedIn)
    }

    @Test
    fun aBareTokenNeedsTheServer() = runBlocking {
        val client = FakeClient(signInAnswer = { _, _, _ -> throw AjarException.Network("cannot reach https://ajar.example: refused") })
        val model = SignInModel(client, this, onSignedIn = {})
        model.setCode("seam_abcdefghijklmnop")
        assertTrue(model.state.value.needsServer)
        assertFalse(model.state.value.canSubmit)
        assertNull(model.submit())
        model.setServer(" https://ajar.example ")
        model.submit()!!.join()
        assertEquals("https://ajar.example", client.signIns.single().second)
        assertEquals("Cannot reach https://ajar.example: refused", model.state.value.error)
        assertFalse(model.state.value.busy)
    }
}
