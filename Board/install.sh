#!/bin/sh
# Installs Soma on the board from a staged folder (what Board/deploy.sh copies over), all or
# nothing: every file is checked first, each is written under a temporary name and renamed into
# place, and if any step fails every file already placed is put back as it was.
#
#   sudo sh install.sh STAGE              install into / and start somad.service
#   sh install.sh STAGE --root DIR        install into DIR only (an image, or a test): no users,
#                                         no systemctl, no udevadm
#
# STAGE holds: somad, profile.toml, somad.service, 60-soma.rules, README.md.
set -eu

stage=${1:?usage: install.sh STAGE [--root DIR]}
root=/
if [ "${2:-}" = "--root" ]; then root=${3:?--root needs a folder}; fi
live=false
[ "$root" = / ] && live=true

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

for file in somad profile.toml somad.service 60-soma.rules README.md; do
    [ -s "$stage/$file" ] || die "the staged folder $stage lacks $file; nothing was installed"
done
if $live; then
    [ "$(id -u)" = 0 ] || die "run as root (sudo); nothing was installed"
    "$stage/somad" --help >/dev/null 2>&1 || die "$stage/somad does not run on this machine ($(uname -m)): build it for this board (make board); nothing was installed"
fi

# target → source, mode
set -- \
    "usr/local/bin/somad" "$stage/somad" 0755 \
    "etc/soma/profile.toml" "$stage/profile.toml" 0644 \
    "etc/systemd/system/somad.service" "$stage/somad.service" 0644 \
    "etc/udev/rules.d/60-soma.rules" "$stage/60-soma.rules" 0644 \
    "usr/local/share/doc/soma/README.md" "$stage/README.md" 0644

placed=""
backup_dir=$(mktemp -d)
rollback() {
    status=$?
    [ $status = 0 ] && { rm -rf "$backup_dir"; return; }
    for target in $placed; do
        if [ -e "$backup_dir/$target" ]; then mv -f "$backup_dir/$target" "$root/$target"; else rm -f "$root/$target"; fi
    done
    rm -rf "$backup_dir"
    echo "install.sh: failed; every file placed was put back as it was" >&2
    exit $status
}
trap rollback EXIT

while [ $# -gt 0 ]; do
    target=$1 source=$2 mode=$3
    shift 3
    mkdir -p "$root/$(dirname "$target")"
    if [ -e "$root/$target" ]; then
        mkdir -p "$backup_dir/$(dirname "$target")"
        cp -p "$root/$target" "$backup_dir/$target"
    fi
    cp "$source" "$root/$target.soma-new"
    chmod "$mode" "$root/$target.soma-new"
    mv -f "$root/$target.soma-new" "$root/$target"
    placed="$placed $target"
    say "installed /$target"
done

if $live; then
    groupadd --system -f gpio
    groupadd --system -f i2c
    id soma >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/soma --shell /usr/sbin/nologin soma
    usermod -a -G gpio,i2c soma
    udevadm control --reload-rules
    udevadm trigger --subsystem-match=gpio --subsystem-match=i2c-dev
    udevadm settle
    systemctl daemon-reload
    systemctl enable somad.service
    systemctl restart somad.service
    say "somad.service started; \`systemctl status somad\` and \`journalctl -u somad\` show how it runs"
fi
