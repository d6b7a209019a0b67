#!/bin/busybox sh
# PID 1 of the real-kernel test VM (see vm.sh). Loads the drivers, creates the gpio-sim chips and
# the i2c-stub adapter, mounts the host's root read-only, runs the command from the results share
# in a chroot and writes its exit status back to the share. Always powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

finish() { echo "$1" > /results/status 2>/dev/null; sync; poweroff -f; }

for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache \
    9pnet 9pnet_virtio 9p configfs gpio-sim-soma i2c-dev; do
    [ -f /modules/$module.ko ] && insmod /modules/$module.ko
done
i2c_addresses=$(sed -n 's/.*soma\.i2c=\([^ ]*\).*/\1/p' /proc/cmdline)
insmod /modules/i2c-stub-soma.ko chip_addr=${i2c_addresses:-0x48}

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results || { echo "hil: no results share"; poweroff -f; }
mount -t configfs configfs /sys/kernel/config || finish 4
# Loopback, for somad's HTTP API.
ip link set lo up || ifconfig lo 127.0.0.1 up

# Two gpio-sim chips on one platform device.
sim=/sys/kernel/config/gpio-sim/soma
mkdir $sim $sim/bank0 $sim/bank1
echo 64 > $sim/bank0/num_lines; echo soma-sim-a > $sim/bank0/label
echo 16 > $sim/bank1/num_lines; echo soma-sim-b > $sim/bank1/label
echo 1 > $sim/live || finish 5
export SOMA_HIL_GPIO_SYSFS=/sys/devices/platform/$(cat $sim/dev_name)
export SOMA_HIL_GPIO_CHIPS="$(cat $sim/bank0/chip_name),$(cat $sim/bank1/chip_name)"
for adapter in /sys/class/i2c-adapter/i2c-*; do
    grep -q "stub" $adapter/name && export SOMA_HIL_I2C_BUS=${adapter##*/i2c-}
done
export SOMA_HIL_I2C_ADDRESSES=${i2c_addresses:-0x48}
export SOMA_HIL=1 HOME=/tmp PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro hostroot /host || finish 6
# Writable scratch. /tmp gets a tmpfs too unless the work tree lives under the host's /tmp (a CI
# clone), which must stay visible; TMPDIR points at a tmpfs either way.
for dir in run var/tmp; do mount -t tmpfs tmpfs /host/$dir; done
[ -f /results/keep-tmp ] || mount -t tmpfs tmpfs /host/tmp
export TMPDIR=/var/tmp
for dir in proc sys dev; do mount -o bind /$dir /host/$dir; done
# configfs too, so that a test can take the gpio-sim chips away (a board that disappears).
mount -t configfs configfs /host/sys/kernel/config
export SOMA_HIL_GPIO_CONFIGFS=$sim
mount -t tmpfs tmpfs /host/mnt && mkdir /host/mnt/results && mount -o bind /results /host/mnt/results
export SOMA_HIL_RESULTS=/mnt/results

# Output goes to the share, which vm.sh prints after the run: the serial console drops whatever
# it has not sent yet when the guest powers off.
chroot /host /bin/bash /mnt/results/command.sh > /results/output 2>&1
finish $?
