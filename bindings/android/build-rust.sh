#!/usr/bin/env bash
# build-rust.sh: builds the Rust side of the Android shell — libajar_ffi.so for each ABI with
# cargo-ndk into core/src/main/jniLibs, and the Kotlin bindings generated from the crate into
# core/src/main/kotlin. Both outputs are gitignored; run this again after any change to the
# Rust crates. Needs: rustup, cargo-ndk, the Android NDK (ANDROID_NDK_HOME, r28 or later for
# 16 KB page alignment). See README.md.
#
#   ./build-rust.sh            # release, arm64-v8a + armeabi-v7a + x86_64
#   ./build-rust.sh --debug    # debug build (faster, bigger)
#   ABIS="arm64-v8a" ./build-rust.sh   # only some ABIs (e.g. one device)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
profile=release
[[ "${1:-}" == "--debug" ]] && profile=debug
read -r -a abis <<< "${ABIS:-arm64-v8a armeabi-v7a x86_64}"

command -v cargo-ndk >/dev/null || { echo "cargo-ndk missing: cargo install cargo-ndk" >&2; exit 1; }
[[ -n "${ANDROID_NDK_HOME:-}" ]] || echo "note: ANDROID_NDK_HOME is unset; cargo-ndk will look for the NDK under ANDROID_HOME" >&2

# The Rust target of an Android ABI (a function, not an associative array: macOS has bash 3.2).
triple() {
  case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    x86) echo i686-linux-android ;;
    *) echo "unknown ABI $1" >&2; return 1 ;;
  esac
}
targets=()
ndk_args=()
for abi in "${abis[@]}"; do
  targets+=("$(triple "$abi")")
  ndk_args+=(-t "$abi")
done
rustup target add "${targets[@]}"

cd "$root" # the Cargo workspace

# 1. The native library, one folder per ABI: core/src/main/jniLibs/<abi>/libajar_ffi.so
cargo_args=(build -p ajar-ffi)
[[ "$profile" == release ]] && cargo_args+=(--release)
cargo ndk "${ndk_args[@]}" --platform 26 -o "$here/core/src/main/jniLibs" "${cargo_args[@]}"

# 2. The Kotlin bindings, generated from the host build of the same crate (the library carries the
#    interface; bindings/uniffi.toml sets the package dev.ajar.core).
cargo build -p ajar-ffi -p uniffi-bindgen
case "$(uname -s)" in
  Darwin) host_lib="$root/target/debug/libajar_ffi.dylib" ;;
  *) host_lib="$root/target/debug/libajar_ffi.so" ;;
esac
"$root/target/debug/uniffi-bindgen" generate "$host_lib" --language kotlin --no-format \
  --out-dir "$root/target/bindings"
mkdir -p "$here/core/src/main/kotlin/dev/ajar/core"
cp "$root/target/bindings/dev/ajar/core/ajar_ffi.kt" "$here/core/src/main/kotlin/dev/ajar/core/"

for abi in "${abis[@]}"; do
  lib="core/src/main/jniLibs/$abi/libajar_ffi.so"
  [[ -f "$here/$lib" ]] || { echo "missing $lib" >&2; exit 1; }
  echo "ok: $lib"
done
echo "ok: core/src/main/kotlin/dev/ajar/core/ajar_ffi.kt"
