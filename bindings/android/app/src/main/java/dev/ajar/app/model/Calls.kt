// Calls: runs one core call for a model and turns its failure into a UserError, letting coroutine
// cancellation through untouched. Shared by the models in this package.
package dev.ajar.app.model

import kotlin.coroutines.cancellation.CancellationException

/** A core call's result as the models consume it. */
sealed interface CallResult<out T> {
    data class Ok<out T>(val value: T) : CallResult<T>
    data class Failed(val error: UserError) : CallResult<Nothing>
}

/** Runs [block]; an `AjarException` (or any other failure) becomes [CallResult.Failed]. */
suspend fun <T> attempt(block: suspend () -> T): CallResult<T> =
    try {
        CallResult.Ok(block())
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        CallResult.Failed(userError(e))
    }
