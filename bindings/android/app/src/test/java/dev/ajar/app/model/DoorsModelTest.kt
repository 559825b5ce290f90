// DoorsModelTest: cache first, then fresh; offline keeps the stale banner; unlock results per door;
// a lost token signs out.
package dev.ajar.app.model

import dev.ajar.core.AjarException
import dev.ajar.core.EntryList
import dev.ajar.core.UnlockOutcome
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class DoorsModelTest {
    private val clock = fixedClock("2026-03-29T10:05:00Z")
    private val doors = listOf(door("d1", "Main Entrance"), door("d2", "Garage"))
    private val cached = EntryList(doors.take(1), "2026-03-29T10:00:00.000Z", stale = true, ageSeconds = 1)
    private val fresh = EntryList(doors, "2026-03-29T10:05:00.000Z", stale = false, ageSeconds = 0)

    @Test
    fun showsTheCacheAtOnceThenTheFreshList() = runBlocking {
        val gate = CompletableDeferred<Unit>()
        val session = FakeSession(cached = cached)
        session.fresh = { gate.await(); fresh }
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        val started = model.start()
        yield()
        // While the refresh runs, the cached door shows with its age (from fetchedAt, not ageSeconds).
        val during = model.state.value
        assertEquals(listOf("Main Entrance"), during.doors.map { it.name })
        assertTrue(during.refreshing)
        assertEquals("Showing the doors cached 5 min ago; refreshing…", during.banner)
        gate.complete(Unit)
        started.join()
        val after = model.state.value
        assertEquals(listOf("Main Entrance", "Garage"), after.doors.map { it.name })
        assertFalse(after.stale)
        assertNull(after.banner)
        assertFalse(after.refreshing)
    }

    @Test
    fun offlineKeepsTheCacheWithABanner() = runBlocking {
        val session = FakeSession(cached = cached, fresh = { cached })
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        model.start().join()
        assertEquals("Cannot reach https://ajar.example: showing the doors cached 5 min ago.", model.state.value.banner)
        assertTrue(model.state.value.stale)
    }

    @Test
    fun nothingCachedAndOfflineIsAnError() = runBlocking {
        val session = FakeSession(fresh = { throw AjarException.Network("cannot reach https://ajar.example: timed out") })
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        model.start().join()
        assertEquals("Cannot reach https://ajar.example: timed out", model.state.value.error)
        assertFalse(model.state.value.loaded)
    }

    @Test
    fun unlockResultsPerDoor() = runBlocking {
        val session = FakeSession(fresh = { fresh })
        session.unlockAnswer = { id ->
            if (id == "d2") UnlockOutcome.Refused(null, "no_cloud_key", "you have no cloud key for Garage")
            else UnlockOutcome.Confirmed("a1")
        }
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        model.start().join()
        model.unlock(doors[0])!!.join()
        model.unlock(doors[1])!!.join()
        assertEquals(UnlockState.Done("Open (confirmed)", Tone.Success), model.state.value.unlockOf(doors[0]))
        assertEquals(UnlockState.Done("Refused: you have no cloud key for Garage", Tone.Error), model.state.value.unlockOf(doors[1]))
        assertEquals(listOf("d1", "d2"), session.unlocked)
        model.dismiss(doors[0])
        assertEquals(UnlockState.Idle, model.state.value.unlockOf(doors[0]))
    }

    @Test
    fun aSecondTapWhileUnlockingIsIgnored() = runBlocking {
        val gate = CompletableDeferred<Unit>()
        val session = FakeSession(fresh = { fresh }, unlockAnswer = { gate.await(); UnlockOutcome.Confirmed("a1") })
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        val first = model.unlock(doors[0])
        assertEquals(UnlockState.Working, model.state.value.unlockOf(doors[0]))
        assertNull(model.unlock(doors[0]))
        gate.complete(Unit)
        first!!.join()
        assertEquals(1, session.unlocked.size)
    }

    @Test
    fun aLostTokenSignsOut() = runBlocking {
        val session = FakeSession(fresh = { fresh })
        session.unlockAnswer = { throw AjarException.NotSignedIn("not signed in: the session has ended") }
        val model = DoorsModel(session, this, clock, Dispatchers.Unconfined)
        model.unlock(doors[0])!!.join()
        assertTrue(model.state.value.signedOut)
        assertEquals(UnlockState.Failed("Not signed in: the session has ended"), model.state.value.unlockOf(doors[0]))
    }
}
