// FormattingTest: the wording of unlock results, errors, cache age and windows.
package dev.ajar.app.model

import dev.ajar.core.AjarException
import dev.ajar.core.ShareWindow
import dev.ajar.core.UnlockOutcome
import java.time.ZoneId
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class FormattingTest {
    @Test
    fun unlockOutcomesReadLikeTheCli() {
        val refused = UnlockOutcome.Refused(null, "entrance_in_lockdown", "the door is in lockdown")
        assertEquals("Open (confirmed)", unlockText(UnlockOutcome.Confirmed("a")))
        assertEquals("Not confirmed: no answer from the lock", unlockText(UnlockOutcome.NotConfirmed("a", "no answer from the lock")))
        assertEquals("Refused: the door is in lockdown", unlockText(refused))
        assertEquals("Main Entrance: refused: the door is in lockdown", unlockSentence("Main Entrance", refused))
        assertEquals(Tone.Error, unlockTone(refused))
        assertEquals(Tone.Warning, unlockTone(UnlockOutcome.NotConfirmed("a", "r")))
    }

    @Test
    fun errorsAreSentencesAndNotSignedInSignsOut() {
        val e = userError(AjarException.NotSignedIn("not signed in: profile \"default\" has no token: sign in again"))
        assertEquals("Not signed in: profile \"default\" has no token: sign in again", e.text)
        assertTrue(e.signedOut)
        val n = userError(AjarException.Network("cannot reach https://a.example: timed out"))
        assertEquals("Cannot reach https://a.example: timed out", n.text)
        assertFalse(n.signedOut)
        assertEquals("Boom", userError(IllegalStateException("boom")).text)
    }

    @Test
    fun agesAndDurations() {
        assertEquals("just now", ageText(-5))
        assertEquals("just now", ageText(59))
        assertEquals("5 min ago", ageText(300))
        assertEquals("3 h ago", ageText(3 * 3600 + 59))
        assertEquals("2 days ago", ageText(2 * 86_400))
        assertEquals("1 h", durationText(3600))
        assertEquals("1 h 30 min", durationText(5400))
        assertEquals("1 min", durationText(1))
        assertEquals("2 days 3 h", durationText(2 * 86_400 + 3 * 3600))
    }

    @Test
    fun staleBanner() {
        assertEquals(
            "Cannot reach https://a.example: showing the doors cached 5 min ago.",
            staleBannerText(300, refreshing = false, server = "https://a.example"),
        )
        assertEquals("Showing the doors cached just now; refreshing…", staleBannerText(10, true, "x"))
    }

    @Test
    fun windows() {
        val berlin = ZoneId.of("Europe/Berlin")
        assertEquals("for 1 h from now", windowText(ShareWindow.For(3600), berlin))
        assertEquals(
            "from now until 2026-03-29 23:59 (Europe/Berlin)",
            windowText(ShareWindow.Between(null, "2026-03-29T23:59"), berlin),
        )
        assertEquals(
            "2026-03-29 09:00 – 17:00 (Europe/Berlin)",
            windowText(ShareWindow.Between("2026-03-29T09:00", "2026-03-29T17:00"), berlin),
        )
        assertEquals("2026-03-29 10:00 – 23:59 (Europe/Berlin)", linkWindowText(link()))
        assertEquals("2026-03-29 19:00", civilText("2026-03-29T17:00:00.000Z", berlin))
    }

    @Test
    fun doors() {
        assertEquals("Unlock Main Entrance", unlockButtonLabel(door("d1", "Main Entrance")))
        assertEquals("In lockdown", doorStatusText(door("d1", "A", lockdown = true)))
        assertEquals("You have no key for this door", doorStatusText(door("d1", "A", key = false)))
        assertNull(doorStatusText(door("d1", "A")))
        assertEquals("Your access: until 2026-03-29 19:00", accessText(door("d1", "A", endsAt = "2026-03-29T17:00:00.000Z")))
        assertEquals("any number of times", usesText(null))
        assertEquals("once", usesText(1u))
        assertEquals("3 times", usesText(3u))
    }
}
