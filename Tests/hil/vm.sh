#!/usr/bin/env bash
# The real-kernel test VM: Debian 12's own kernel booted in qemu (TCG) with gpio-sim and i2c-stub,
# running host-built binaries from the host's root file system (virtio-9p, read-only).
#
#   Tests/hil/vm.sh setup            build everything once into $HIL_DIR (default .build-hil)
#   Tests/hil/vm.sh libgpiod2        build libgpiod v2 (static) and print its PKG_CONFIG_PATH
#   Tests/hil/vm.sh run CMD [ARG…]   boot, run CMD as root inside the guest, print its output,
#                                    exit with its exit status
#
# Facts behind every step: ../shared/notes/real-kernel-harness.md. In short: Debian 12's amd64
# kernel has no gpio-sim, so it is built out of tree from Debian's linux-source-6.1 with irq_sim
# linked in; the kernel package is unpacked with dpkg -x, never installed.
#
# The guest gets two gpio-sim chips (gpiochip0: 64 lines "soma-sim-a", gpiochip1: 16 lines
# "soma-sim-b") and an i2c-stub adapter with chips at $HIL_I2C_ADDRESSES (default 0x48 (ADS1115),
# 0x49 (ADS1015), 0x60 (MCP4728)). Inside, $SOMA_HIL=1 and $SOMA_HIL_GPIO_SYSFS names the
# platform device's sysfs folder.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HIL_DIR="${HIL_DIR:-$ROOT/.build-hil}"
HIL_TIMEOUT="${HIL_TIMEOUT:-600}"
HIL_MEMORY="${HIL_MEMORY:-1024}"
HIL_I2C_ADDRESSES="${HIL_I2C_ADDRESSES:-0x48,0x49,0x60}"
# Bumped whenever what setup builds changes, so an existing image is rebuilt.
HIL_IMAGE_VERSION=2
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

say() { echo "hil: $*" >&2; }
die() { echo "hil: error: $*" >&2; exit 2; }

apt_install() {
    local missing=""
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $package"
    done
    if [ -n "$missing" ]; then
        say "installing system packages:$missing"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
    fi
}

# The kernel ABI Debian's amd64 metapackage points at today (6.1.0-56-amd64 on 2026-11-26).
kernel_abi() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1
}

setup() {
    local abi
    apt_install qemu-system-x86 busybox-static cpio xz-utils gcc make gpiod i2c-tools
    abi="$(kernel_abi)"
    [ -n "$abi" ] || { $SUDO apt-get update -qq; abi="$(kernel_abi)"; }
    [ -n "$abi" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-cache depends)"
    if [ -f "$HIL_DIR/ready" ] && [ "$(cat "$HIL_DIR/ready")" = "$abi $HIL_IMAGE_VERSION" ]; then
        # The guest's init changes more often than the kernel: rebuild the initramfs when it does.
        [ "$ROOT/Tests/hil/guest-init.sh" -nt "$HIL_DIR/initramfs.cpio.gz" ] && build_initramfs "$abi"
        return 0
    fi
    apt_install "linux-headers-$abi"
    say "building the test VM for kernel $abi in $HIL_DIR"
    rm -rf "$HIL_DIR/image" "$HIL_DIR/gpio-sim" "$HIL_DIR/i2c-stub" "$HIL_DIR/initramfs" "$HIL_DIR/ready"
    mkdir -p "$HIL_DIR/debs"

    # 1. The kernel and its modules, unpacked, not installed.
    local image_deb source_deb
    image_deb=$(ls "$HIL_DIR"/debs/linux-image-"$abi"_*.deb 2>/dev/null | head -1 || true)
    source_deb=$(ls "$HIL_DIR"/debs/linux-source-6.1_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$image_deb" ] || [ -z "$source_deb" ]; then
        (cd "$HIL_DIR/debs" && apt-get download "linux-image-$abi" linux-source-6.1 2>/dev/null) \
            || die "apt-get download linux-image-$abi linux-source-6.1 failed"
        image_deb=$(ls "$HIL_DIR"/debs/linux-image-"$abi"_*.deb | head -1)
        source_deb=$(ls "$HIL_DIR"/debs/linux-source-6.1_*.deb | head -1)
    fi
    dpkg -x "$image_deb" "$HIL_DIR/image"

    # 2. An uncompressed vmlinux: booting it through its PVH entry saves ~2 s per boot.
    python3 - "$HIL_DIR/image/boot/vmlinuz-$abi" "$HIL_DIR/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("no xz stream in " + sys.argv[1])
decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
open(sys.argv[2], "wb").write(decompressor.decompress(data[start:]))
PY

    # 3. gpio-sim, out of tree, with irq_sim linked in.
    mkdir -p "$HIL_DIR/gpio-sim"
    dpkg-deb --fsys-tarfile "$source_deb" \
        | tar -xO ./usr/src/linux-source-6.1.tar.xz \
        | tar -xJ -C "$HIL_DIR/gpio-sim" --strip-components=1 \
            linux-source-6.1/drivers/gpio/gpio-sim.c linux-source-6.1/drivers/gpio/gpiolib.h \
            linux-source-6.1/kernel/irq/irq_sim.c
    (
        cd "$HIL_DIR/gpio-sim"
        cp drivers/gpio/gpio-sim.c drivers/gpio/gpiolib.h kernel/irq/irq_sim.c .
        # irq_to_desc is not exported to modules; generic_handle_irq runs the same handler.
        sed -i 's/handle_simple_irq(irq_to_desc(\([^)]*\)))/generic_handle_irq(\1)/' irq_sim.c
        grep -q 'generic_handle_irq' irq_sim.c || die "irq_sim.c patch did not apply"
        printf 'obj-m := gpio-sim-soma.o\ngpio-sim-soma-objs := gpio-sim.o irq_sim.o\n' > Kbuild
        make -s -C "/usr/src/linux-headers-$abi" M="$PWD" modules >build.log 2>&1 \
            || { cat build.log >&2; die "building gpio-sim failed"; }
    )

    # 4. i2c-stub, out of tree, with failures a test can switch on through sysfs
    #    (/sys/module/i2c_stub_soma/parameters/fault_*): a chip that stops answering (ENXIO),
    #    bus errors (EIO), a transfer that times out after a delay (ETIMEDOUT).
    mkdir -p "$HIL_DIR/i2c-stub"
    dpkg-deb --fsys-tarfile "$source_deb" \
        | tar -xO ./usr/src/linux-source-6.1.tar.xz \
        | tar -xJ -C "$HIL_DIR/i2c-stub" --strip-components=3 linux-source-6.1/drivers/i2c/i2c-stub.c
    python3 - "$HIL_DIR/i2c-stub/i2c-stub.c" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
params = """#include <linux/delay.h>

/* Soma's test VM: transfers fail on demand. */
static int fault_errno;
module_param(fault_errno, int, 0644);
MODULE_PARM_DESC(fault_errno, "fail transfers with this errno (0: none)");
static int fault_count = -1;
module_param(fault_count, int, 0644);
MODULE_PARM_DESC(fault_count, "transfers left to fail (-1: every one)");
static ushort fault_addr;
module_param(fault_addr, ushort, 0644);
MODULE_PARM_DESC(fault_addr, "fail only transfers to this address (0: any)");
static int fault_delay_ms;
module_param(fault_delay_ms, int, 0644);
MODULE_PARM_DESC(fault_delay_ms, "hold the bus this long before failing (a timeout)");
static int fault_seen;
module_param(fault_seen, int, 0644);
MODULE_PARM_DESC(fault_seen, "transfers failed so far");

static s32 stub_xfer("""
check = """	if (!chip)
		return -ENODEV;
"""
inject = check + """
	if (READ_ONCE(fault_errno) > 0 && (!fault_addr || addr == fault_addr) && READ_ONCE(fault_count) != 0) {
		if (fault_count > 0)
			fault_count--;
		fault_seen++;
		if (fault_delay_ms > 0)
			msleep(fault_delay_ms);
		return -fault_errno;
	}
"""
if text.count("static s32 stub_xfer(") != 1 or text.count(check) != 1:
    sys.exit("i2c-stub.c is not the one this patch was written for")
text = text.replace("static s32 stub_xfer(", params, 1).replace(check, inject, 1)
open(path, "w").write(text)
PY
    (
        cd "$HIL_DIR/i2c-stub"
        printf 'obj-m := i2c-stub-soma.o\ni2c-stub-soma-objs := i2c-stub.o\n' > Kbuild
        make -s -C "/usr/src/linux-headers-$abi" M="$PWD" modules >build.log 2>&1 \
            || { cat build.log >&2; die "building i2c-stub failed"; }
    )

    build_initramfs "$abi"
    echo "$abi $HIL_IMAGE_VERSION" > "$HIL_DIR/ready"
    say "ready"
}

# The initramfs: static busybox, the modules in load order, and our init.
build_initramfs() {
    local abi="$1"
    local initramfs="$HIL_DIR/initramfs" modules="$HIL_DIR/image/lib/modules/$abi/kernel"
    rm -rf "$initramfs"
    mkdir -p "$initramfs"/{bin,dev,proc,sys,modules,host,results,etc}
    cp /bin/busybox "$initramfs/bin/busybox"
    local module
    for module in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
        drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache \
        net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/configfs/configfs drivers/i2c/i2c-dev; do
        if [ -f "$modules/$module.ko" ]; then
            cp "$modules/$module.ko" "$initramfs/modules/"
        fi
    done
    cp "$HIL_DIR/gpio-sim/gpio-sim-soma.ko" "$HIL_DIR/i2c-stub/i2c-stub-soma.ko" "$initramfs/modules/"
    cp "$ROOT/Tests/hil/guest-init.sh" "$initramfs/init"
    chmod +x "$initramfs/init"
    (cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1 > "$HIL_DIR/initramfs.cpio.gz")
}

# libgpiod v2 from the C sources inside the PyPI sdist of its Python bindings (Debian 12 packages
# only 1.6.3). A static library, so binaries built against it run anywhere without a search path.
# Prints the PKG_CONFIG_PATH to build against it.
LIBGPIOD2_VERSION="${LIBGPIOD2_VERSION:-2.5.0}"  # the bindings' version; they carry libgpiod 2.3
libgpiod2() {
    local prefix="$HIL_DIR/libgpiod2"
    if [ ! -f "$prefix/lib/pkgconfig/libgpiod.pc" ]; then
        apt_install gcc
        rm -rf "$prefix" && mkdir -p "$prefix/src" "$prefix/include" "$prefix/lib/pkgconfig"
        python3 -m pip download --quiet --no-deps --no-binary :all: "gpiod==$LIBGPIOD2_VERSION" \
            -d "$prefix/src" >&2 || die "pip download gpiod==$LIBGPIOD2_VERSION failed"
        tar -xzf "$prefix/src/gpiod-$LIBGPIOD2_VERSION.tar.gz" -C "$prefix/src"
        local source="$prefix/src/gpiod-$LIBGPIOD2_VERSION" version
        version="$(cat "$source/libgpiod-version.txt")"
        for file in "$source"/lib/*.c; do
            gcc -O2 -fPIC -D_GNU_SOURCE "-DGPIOD_API_VERSION_STR=\"$version\"" \
                -I "$source/include" -I "$source/lib" -c "$file" -o "$prefix/src/$(basename "$file" .c).o" \
                || die "compiling libgpiod $version failed at $file"
        done
        ar rcs "$prefix/lib/libgpiod.a" "$prefix"/src/*.o
        cp "$source/include/gpiod.h" "$prefix/include/"
        cat > "$prefix/lib/pkgconfig/libgpiod.pc" <<PC
prefix=$prefix
Name: libgpiod
Description: libgpiod $version, built by Soma's test harness
Version: $version
Libs: -L\${prefix}/lib -lgpiod
Cflags: -I\${prefix}/include
PC
        say "built libgpiod $version in $prefix"
    fi
    echo "$prefix/lib/pkgconfig"
}

# Boots the VM and runs "$@" inside; prints the console and returns the command's exit status.
run() {
    [ $# -gt 0 ] || die "usage: vm.sh run CMD [ARG…]"
    setup
    local results
    results="$(mktemp -d "$HIL_DIR/run.XXXXXX")"
    # The command travels as a bash script (printf %q quoting) on the results share: no quoting
    # through the kernel command line.
    {
        printf 'cd %q\n' "$PWD"
        printf '%q ' "$@"
        printf '\n'
    } > "$results/command.sh"
    case "$PWD/" in /tmp/*) touch "$results/keep-tmp" ;; esac
    local status=0
    timeout --foreground "$HIL_TIMEOUT" qemu-system-x86_64 \
        -M q35 -accel tcg -m "$HIL_MEMORY" -smp 1 -nodefaults -display none -serial stdio -no-reboot \
        -kernel "$HIL_DIR/vmlinux" -initrd "$HIL_DIR/initramfs.cpio.gz" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 soma.i2c=$HIL_I2C_ADDRESSES" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$results,mount_tag=results,security_model=none" \
        </dev/null 2>&1 | tr -d '\r' | grep -v -e 'reboot: Power down' || status=$?
    [ -f "$results/output" ] && cat "$results/output"
    if [ -f "$results/status" ]; then
        status="$(cat "$results/status")"
    else
        say "the guest ended without reporting a status (qemu exit $status, timeout ${HIL_TIMEOUT}s)"
        status=3
    fi
    rm -rf "$results"
    return "$status"
}

case "${1:-}" in
    setup) setup ;;
    libgpiod2) libgpiod2 ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 setup | libgpiod2 | run CMD [ARG…]" >&2; exit 64 ;;
esac
