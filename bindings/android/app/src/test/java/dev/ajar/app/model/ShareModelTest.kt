// ShareModelTest: quick picks to windows, custom times across clock changes, the checks, and the
// share call.
package dev.ajar.app.model

import dev.ajar.core.ShareWindow
import java.time.Instant
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ShareModelTest {
    private val berlin = ZoneId.of("Europe/Berlin")
    private val noon = Instant.parse("2026-03-29T10:00:00Z") // 12:00 in Berlin (CEST)
    private val doors = listOf(door("d1", "Main Entrance"), door("d2", "Garage"), door("d3", "NYC", zone = "America/New_York"))

    @Test
    fun quickPicks() {
        assertEquals(ShareWindow.For(3600), quickWindow(QuickPick.NextHour, berlin, noon).getOrThrow())
        assertEquals(ShareWindow.Between(null, "2026-03-29T23:59"), quickWindow(QuickPick.Today, berlin, noon).getOrThrow())
        // 23:50 in Berlin: too late for "Today".
        assertTrue(quickWindow(QuickPick.Today, berlin, Instant.parse("2026-03-29T21:50:00Z")).isFailure)
        // The site's day, not the phone's: 01:00 UTC is already the 30th in Berlin... and the 29th in New York.
        val late = Instant.parse("2026-03-30T01:00:00Z")
        assertEquals(ShareWindow.Between(null, "2026-03-30T23:59"), quickWindow(QuickPick.Today, berlin, late).getOrThrow())
        assertEquals(
            ShareWindow.Between(null, "2026-03-29T23:59"),
            quickWindow(QuickPick.Today, ZoneId.of("America/New_York"), late).getOrThrow(),
        )
    }

    @Test
    fun customTimes() {
        assertEquals(
            ShareWindow.Between("2026-03-30T09:00", "2026-03-30T17:30"),
            customWindow("2026-03-30 09:00", "2026-03-30T17:30", berlin, noon).getOrThrow(),
        )
        assertEquals(ShareWindow.Between(null, "2026-03-29T18:00"), customWindow("", "2026-03-29 18:00", berlin, noon).getOrThrow())
        fun reason(from: String, until: String) = customWindow(from, until, berlin, noon).exceptionOrNull()?.message
        assertEquals("End: 2026-03-29T02:30 does not exist in Europe/Berlin (clocks go forward)", reason("", "2026-03-29 02:30"))
        assertEquals(
            "End: 2026-10-25T02:30 happens twice in Europe/Berlin (clocks go back): pick another time",
            reason("", "2026-10-25 02:30"),
        )
        assertEquals("The end must be in the future", reason("", "2026-03-29 11:00"))
        assertEquals("The end must be after the start", reason("2026-03-30 10:00", "2026-03-30 09:00"))
        assertEquals("End: write it as 2026-03-29 09:30", reason("", "tomorrow"))
        assertEquals("Set when the link ends", reason("", " "))
    }

    @Test
    fun checks() {
        fun check(form: ShareForm) = checkShare(form, doors, noon)
        assertEquals(ShareCheck.Invalid("Pick at least one door"), check(ShareForm()))
        assertEquals(
            ShareCheck.Invalid("Share the doors of one site per link (these are in Europe/Berlin and America/New_York)"),
            check(ShareForm(doorIds = setOf("d1", "d3"))),
        )
        assertEquals(
            ShareCheck.Invalid("Uses: a whole number above 0, or blank for no limit"),
            check(ShareForm(doorIds = setOf("d1"), maxUses = "0")),
        )
        val ready = check(ShareForm(doorIds = setOf("d1", "d2"), pick = QuickPick.Today, maxUses = " 3 ", description = " Plumber ")) as ShareCheck.Ready
        assertEquals(listOf("d1", "d2"), ready.request.entries)
        assertEquals("Plumber", ready.request.description)
        assertEquals(3u, ready.request.maxUses)
        assertEquals("Main Entrance, Garage · from now until 2026-03-29 23:59 (Europe/Berlin) · 3 times", ready.summary)
    }

    @Test
    fun sharesOnceReadyAndKeepsThePayload() = runBlocking {
        val session = FakeSession()
        val model = ShareModel(session, doors, this, preselected = listOf("d1"), clock = fixedClock("2026-03-29T10:00:00Z"))
        assertTrue(model.state.value.check is ShareCheck.Ready)
        model.pick(QuickPick.Custom)
        assertNull(model.share()) // custom without times: nothing sent
        model.setUntil("2026-03-29 18:00")
        model.share()!!.join()
        assertEquals(ShareWindow.Between(null, "2026-03-29T18:00"), session.shared.single().window)
        assertEquals("https://ajar.example/g/abc", model.state.value.payload?.url)
    }

    @Test
    fun aRefusedShareShowsTheServersReason() = runBlocking {
        val session = FakeSession(shareAnswer = { throw dev.ajar.core.AjarException.Unsupported("this server does not support guest links") })
        val model = ShareModel(session, doors, this, preselected = listOf("d1"), clock = fixedClock("2026-03-29T10:00:00Z"))
        model.share()!!.join()
        assertEquals("This server does not support guest links", model.state.value.error)
        assertNull(model.state.value.payload)
    }
}
