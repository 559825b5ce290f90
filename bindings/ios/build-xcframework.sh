#!/usr/bin/env bash
# build-xcframework.sh: builds the Rust side of the iOS shell on a Mac with Xcode —
# AjarFFI.xcframework (static libajar_ffi.a for iPhone/iPad devices and for the simulator on Apple
# silicon and Intel, with the C header and module map) and the Swift bindings generated from the
# crate into Sources/AjarCore/AjarCore.swift. Both outputs are gitignored; run this again after any
# change to the Rust crates. See README.md.
#
#   ./build-xcframework.sh            # release
#   ./build-xcframework.sh --debug    # debug build (faster, bigger)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
profile=mobile # size-optimised: fat LTO, opt-level "s" (see Cargo.toml)
[[ "${1:-}" == "--debug" ]] && profile=debug

[[ "$(uname -s)" == Darwin ]] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }
command -v xcodebuild >/dev/null || { echo "xcodebuild missing: install Xcode and run xcode-select -s" >&2; exit 1; }

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "$device" "${simulators[@]}"

cd "$root" # the Cargo workspace
export IPHONEOS_DEPLOYMENT_TARGET=16.0 # matches Package.swift's platforms

# 1. The static library for each target.
cargo_flags=(--lib)
[[ "$profile" != debug ]] && cargo_flags+=(--profile "$profile")
for target in "$device" "${simulators[@]}"; do
  cargo build -p ajar-ffi --target "$target" "${cargo_flags[@]}"
done

# 2. The Swift bindings, the C header and the module map, generated from the host build of the
#    same crate (bindings/uniffi.toml names the Swift module AjarCore and the C module AjarFFI).
cargo build -p ajar-ffi -p uniffi-bindgen
out="$root/target/bindings/swift"
rm -rf "$out"
"$root/target/debug/uniffi-bindgen" generate "$root/target/debug/libajar_ffi.dylib" \
  --language swift --no-format --out-dir "$out"

# 3. The xcframework: one slice for devices, one (arm64 + x86_64 in one library) for simulators.
work="$root/target/ios-xcframework"
rm -rf "$work"
mkdir -p "$work/Headers" "$work/simulator"
cp "$out/AjarFFI.h" "$work/Headers/"
cp "$out/AjarFFI.modulemap" "$work/Headers/module.modulemap"
sim_libs=()
for target in "${simulators[@]}"; do sim_libs+=("$root/target/$target/$profile/libajar_ffi.a"); done
lipo -create "${sim_libs[@]}" -output "$work/simulator/libajar_ffi.a"

rm -rf "$here/AjarFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$root/target/$device/$profile/libajar_ffi.a" -headers "$work/Headers" \
  -library "$work/simulator/libajar_ffi.a" -headers "$work/Headers" \
  -output "$here/AjarFFI.xcframework"

# 4. The Swift half of the package.
cp "$out/AjarCore.swift" "$here/Sources/AjarCore/AjarCore.swift"

echo "ok: AjarFFI.xcframework"
echo "ok: Sources/AjarCore/AjarCore.swift"
