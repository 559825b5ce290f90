// Test support for the Kotlin binding tests: a real ajar-server process, seeding over its HTTP
// API with the admin key, a Kotlin SecretStore, a QR decoder (zbarimg) and a tiny test runner.

import dev.ajar.core.AjarException
import dev.ajar.core.SecretStore
import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking

val ADMIN_KEY = "seam_ktbindings_" + UUID.randomUUID().toString().replace("-", "").take(24)

/** ajar-server on 127.0.0.1 (random port) with a fresh data directory; `stop()` sends SIGTERM. */
class Server(bin: String) {
    private val dir: File = Files.createTempDirectory("ajar-kt-server-").toFile()
    private val proc: Process
    val url: String
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    init {
        val pb = ProcessBuilder(bin, "--listen", "127.0.0.1:0", "--data-dir", dir.path)
        pb.environment()["AJAR_BOOTSTRAP_API_KEY"] = ADMIN_KEY
        pb.environment()["AJAR_LOG"] = "warn"
        pb.redirectError(ProcessBuilder.Redirect.INHERIT)
        proc = pb.start()
        val out = proc.inputStream.bufferedReader()
        var found: String? = null
        while (true) {
            val line = out.readLine() ?: break
            if ("listening on " in line) {
                found = line.substringAfter("listening on ").trim()
                break
            }
        }
        url = found ?: run {
            stop()
            throw IllegalStateException("ajar-server did not start")
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        Thread { out.readText() }.apply { isDaemon = true }.start()
    }

    fun stop() {
        proc.destroy() // SIGTERM
        if (!proc.waitFor(10, TimeUnit.SECONDS)) proc.destroyForcibly().waitFor()
        dir.deleteRecursively()
    }

    /** POSTs JSON; returns (status, body). */
    fun post(path: String, json: String, token: String? = ADMIN_KEY): Pair<Int, String> {
        val b = HttpRequest.newBuilder(URI.create(url + path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(15))
            .POST(HttpRequest.BodyPublishers.ofString(json))
        if (token != null) b.header("Authorization", "Bearer $token")
        val r = http.send(b.build(), HttpResponse.BodyHandlers.ofString())
        return r.statusCode() to r.body()
    }

    fun ok(path: String, json: String): String {
        val (status, body) = post(path, json)
        check(status in 200..299) { "$path: $status $body" }
        return body
    }

    /** A Berlin site with Main Entrance, Side Door, Server Room (no cloud key) and Garage; a new
     *  member whose cloud key covers the first three. */
    fun seed(): Seeded {
        val site = field(ok("/acs/systems/create", """{"name":"HQ","time_zone":"Europe/Berlin"}"""), "acs_system_id")
        val doors = linkedMapOf<String, String>()
        for ((name, cloud) in listOf("Main Entrance" to true, "Side Door" to true, "Server Room" to false, "Garage" to true)) {
            val body = ok(
                "/acs/entrances/create",
                """{"acs_system_id":"$site","display_name":"$name","can_unlock_with_cloud_key":$cloud}""",
            )
            doors[name] = field(body, "acs_entrance_id")
        }
        val user = field(ok("/user_identities/create", """{"full_name":"Maya Member"}"""), "user_identity_id")
        val granted = listOf("Main Entrance", "Side Door", "Server Room").joinToString(",") { "\"${doors[it]}\"" }
        ok(
            "/access_grants/create",
            """{"user_identity_id":"$user","acs_entrance_ids":[$granted],"requested_access_methods":[{"mode":"cloud_key"}]}""",
        )
        val token = field(ok("/client_sessions/create", """{"user_identity_id":"$user"}"""), "token")
        return Seeded(site, doors, user, token)
    }
}

data class Seeded(val site: String, val doors: Map<String, String>, val user: String, val token: String)

/** The first string value of `key` in a JSON text (the server's answers are flat enough). */
fun field(json: String, key: String): String =
    Regex("\"" + Regex.escape(key) + "\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
        ?: throw AssertionError("no \"$key\" in $json")

/** The app's secret store (Android: Keystore-backed), here a map. */
class MapStore : SecretStore {
    val data = ConcurrentHashMap<String, String>()
    val calls: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf())

    override fun get(key: String): String? {
        calls += "get $key"
        return data[key]
    }

    override fun set(key: String, secret: String) {
        calls += "set $key"
        data[key] = secret
    }

    override fun delete(key: String) {
        calls += "delete $key"
        data.remove(key)
    }
}

/** A store that fails as the app reports it (AjarException) or unexpectedly. */
class LockedStore(private val unexpected: Boolean) : SecretStore {
    override fun get(key: String): String? = null

    override fun set(key: String, secret: String) {
        if (unexpected) throw IllegalStateException("the keystore exploded")
        throw AjarException.Other("keychain locked")
    }

    override fun delete(key: String) {}
}

fun decodeQr(png: ByteArray): String {
    val f = File.createTempFile("ajar-qr-", ".png")
    try {
        f.writeBytes(png)
        val p = ProcessBuilder("zbarimg", "--quiet", "--raw", f.path)
            .redirectError(ProcessBuilder.Redirect.DISCARD) // it warns about D-Bus on stderr
            .start()
        val out = p.inputStream.bufferedReader().readText().trim()
        check(p.waitFor() == 0) { "zbarimg failed (apt-get install zbar-tools): $out" }
        return out
    } finally {
        f.delete()
    }
}

/** A port nobody listens on. */
fun freePort(): Int = ServerSocket(0).use { it.localPort }

fun tempDir(): File = Files.createTempDirectory("ajar-kt-client-").toFile()

fun day(offset: Long): String = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(offset).toString()

// ---- a tiny test runner --------------------------------------------------------------------

var passed = 0
var failed = 0

fun test(name: String, body: suspend () -> Unit) {
    val t0 = System.nanoTime()
    try {
        runBlocking { body() }
        passed++
        println("ok   $name (${(System.nanoTime() - t0) / 1_000_000} ms)")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
        e.printStackTrace(System.out)
    }
}

fun <T> eq(actual: T, expected: T, what: String = "value") {
    if (actual != expected) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

fun truth(cond: Boolean, what: () -> String) {
    if (!cond) throw AssertionError(what())
}

suspend inline fun <reified E : Throwable> throws(crossinline block: suspend () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.qualifiedName}, got $e", e)
    }
    throw AssertionError("expected ${E::class.qualifiedName}, nothing was thrown")
}
