#!/bin/bash
# Boot the default microVM, set-up included: installs what is missing
# (scripts/setup.sh), builds vmm and the default guest, then runs
#   vmm --kernel build/guest/Image --initrd build/guest/initramfs.cpio.gz
# on this machine's KVM when it is an arm64 host, or inside the emulated
# arm64 KVM host otherwise. Extra arguments go to vmm, e.g.
#   scripts/run.sh --cpus 2 --mem 1G
# The guest's console is this terminal; 'poweroff' in the guest (or
# Ctrl-A x) ends it, and vmm's exit code is this script's.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO scripts/setup.sh >&2
make -s -j2 vmm >&2
exec scripts/vmm "$@"
