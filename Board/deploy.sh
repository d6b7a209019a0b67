#!/bin/sh
# Deploys Soma to a single-board computer over ssh: somad (built by `make board`), a board
# profile, the systemd unit and the udev rules; installs them all or nothing (Board/install.sh)
# and starts somad.service.
#
#   Board/deploy.sh HOST [--profile FILE] [--binary FILE]
#
# HOST is anything ssh takes (pi@raspberrypi.local). It needs key login (ssh-copy-id HOST) and
# sudo there. Defaults: --profile Board/profiles/pi4-single-neuron.toml, --binary .build-board/somad.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
host=""
profile="$repo/Board/profiles/pi4-single-neuron.toml"
binary="$repo/.build-board/somad"
while [ $# -gt 0 ]; do
    case "$1" in
        --profile) profile=${2:?--profile needs a file}; shift 2 ;;
        --binary) binary=${2:?--binary needs a file}; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "deploy.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
        *) [ -z "$host" ] || { echo "deploy.sh: one HOST only (got $host and $1)" >&2; exit 64; }; host=$1; shift ;;
    esac
done
[ -n "$host" ] || { echo "deploy.sh: name the board to deploy to: Board/deploy.sh HOST (see --help)" >&2; exit 64; }

# Everything local is checked before anything leaves this machine.
[ -x "$binary" ] || { echo "deploy.sh: no board build of somad at $binary: run \`make board\` first (it needs a Swift static Linux SDK for aarch64, or run it on the board itself); nothing was copied." >&2; exit 1; }
[ -f "$profile" ] || { echo "deploy.sh: no profile at $profile; nothing was copied." >&2; exit 1; }
soma=$(cd "$repo" && swift build --show-bin-path 2>/dev/null)/soma
if [ -x "$soma" ]; then
    "$soma" profile check "$profile" >/dev/null || { "$soma" profile check "$profile" >&2; echo "deploy.sh: $profile has problems (above); nothing was copied." >&2; exit 1; }
fi

ssh_options="-o BatchMode=yes -o ConnectTimeout=10"
if ! reason=$(ssh $ssh_options "$host" true 2>&1); then
    echo "deploy.sh: cannot reach $host over ssh ($(echo "$reason" | tail -n 1)); check the address, that sshd runs there and that your key is authorised (ssh-copy-id $host); nothing was copied." >&2
    exit 1
fi

stage=$(ssh $ssh_options "$host" mktemp -d /tmp/soma-deploy.XXXXXX)
local_stage=$(mktemp -d)
trap 'rm -rf "$local_stage"; ssh $ssh_options "$host" rm -rf "$stage" >/dev/null 2>&1 || true' EXIT
cp "$binary" "$local_stage/somad"
cp "$profile" "$local_stage/profile.toml"
cp "$here/systemd/somad.service" "$local_stage/somad.service"
cp "$here/udev/60-soma.rules" "$local_stage/60-soma.rules"
cp "$repo/README.md" "$local_stage/README.md"
cp "$here/install.sh" "$local_stage/install.sh"
echo "deploy.sh: copying to $host:$stage"
scp -q $ssh_options "$local_stage"/* "$host:$stage/" || { echo "deploy.sh: copying to $host failed; nothing was installed." >&2; exit 1; }
echo "deploy.sh: installing on $host (sudo)"
ssh -t -o ConnectTimeout=10 "$host" sudo sh "$stage/install.sh" "$stage"
echo "deploy.sh: done. On $host: \`somad doctor --profile /etc/soma/profile.toml\`, \`systemctl status somad\`"
