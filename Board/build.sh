#!/bin/sh
# `make board`: builds somad for the single-board computer into .build-board/somad.
#
# - On an aarch64 machine (the Pi itself): a native release build, the Swift runtime linked in
#   statically (--static-swift-stdlib), libgpiod and libi2c from the system (apt install
#   libgpiod-dev libi2c-dev).
# - Elsewhere, with a Swift static Linux SDK installed (`swift sdk list` shows
#   swift-X-RELEASE_static-linux-…): a fully static aarch64 binary (musl). The SDK brings no
#   libgpiod or libi2c: give them as static libraries built for aarch64-linux-musl in
#   $SOMA_BOARD_SYSROOT (include/gpiod.h, include/i2c/smbus.h, lib/libgpiod.a, lib/libi2c.a).
# - Otherwise it says what to install and exits 1.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/.build-board"
cd "$repo"

if [ "$(uname -m)" = aarch64 ]; then
    echo "make board: native aarch64 build"
    swift build -c release --product somad --static-swift-stdlib --scratch-path "$out/native"
    mkdir -p "$out" && cp "$out/native/release/somad" "$out/somad"
    echo "make board: $out/somad ($(uname -m), links the system's libgpiod and libi2c)"
    exit 0
fi

sdk=$(swift sdk list 2>/dev/null | grep -i 'static-linux' | head -n 1 || true)
if [ -z "$sdk" ]; then
    cat >&2 <<'MESSAGE'
make board: no Swift static Linux SDK is installed and this is not an aarch64 machine, so there is nothing to build the board binary with. Install the Static Linux SDK of the same version as `swift --version` with the `swift sdk install <URL> --checksum <SUM>` line that https://www.swift.org/install/linux/ gives for it (README, "Building for the board"), or run `make board` on the Pi itself.
MESSAGE
    exit 1
fi

sysroot=${SOMA_BOARD_SYSROOT:-}
if [ -z "$sysroot" ] || [ ! -f "$sysroot/lib/libgpiod.a" ] || [ ! -f "$sysroot/lib/libi2c.a" ]; then
    echo "make board: the static SDK ($sdk) is installed, but SOMA_BOARD_SYSROOT does not point at libgpiod.a and libi2c.a built for aarch64-linux-musl (see Board/build.sh); nothing was built." >&2
    exit 1
fi
echo "make board: static aarch64 build with $sdk"
PKG_CONFIG_PATH="$sysroot/lib/pkgconfig" swift build -c release --product somad \
    --swift-sdk aarch64-swift-linux-musl --scratch-path "$out/static" \
    -Xcc -I"$sysroot/include" -Xlinker -L"$sysroot/lib"
mkdir -p "$out" && cp "$out/static/release/somad" "$out/somad"
echo "make board: $out/somad (static, aarch64)"
