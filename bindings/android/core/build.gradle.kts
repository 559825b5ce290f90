// `core`: Ajar's client core as an Android library — the uniffi-generated Kotlin (package
// dev.ajar.core, in src/main/kotlin), libajar_ffi.so per ABI (src/main/jniLibs), JNA to call it, and
// KeystoreSecretStore. The first two are built from the Rust crate by ../build-rust.sh and are
// gitignored; the build stops early with that hint when they are missing.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "dev.ajar.core.android"
    compileSdk = 36

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

dependencies {
    // The generated bindings call libajar_ffi.so through JNA; the AAR carries JNA's own natives.
    // Its types (Structure, Pointer) appear in the generated public API, hence `api`.
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    implementation(libs.kotlinx.coroutines.android)
}

val checkAjarNative by tasks.registering {
    description = "Checks that build-rust.sh has produced the generated Kotlin and libajar_ffi.so."
    val generated = layout.projectDirectory.file("src/main/kotlin/dev/ajar/core/ajar_ffi.kt").asFile
    val jniLibs = layout.projectDirectory.dir("src/main/jniLibs").asFile
    doLast {
        val missing = buildList {
            if (!generated.isFile) add(generated.path)
            if (jniLibs.walkTopDown().none { it.name == "libajar_ffi.so" }) add("$jniLibs/<abi>/libajar_ffi.so")
        }
        if (missing.isNotEmpty()) {
            throw GradleException(
                "Missing ${missing.joinToString(" and ")}.\n" +
                    "Build the Rust side first: cd bindings/android && ./build-rust.sh (see README.md).",
            )
        }
    }
}

tasks.named("preBuild") { dependsOn(checkAjarNative) }
