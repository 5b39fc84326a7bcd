#!/bin/bash
# Fetch Debian's arm64 QEMU (qemu-system-arm, which provides
# qemu-system-aarch64) and every shared library it needs, for the
# benchmark's side-by-side run inside the emulated arm64 host. The .debs
# (resolved recursively with apt-cache, Depends and Pre-Depends only) go
# to build/debs-qemu and are unpacked into build/qemu-arm64 (a root tree:
# usr/bin/qemu-system-aarch64, usr/lib/aarch64-linux-gnu, ...). Idempotent.
#
#   scripts/fetch-qemu.sh          (needs the arm64 dpkg architecture, which
#                                   scripts/setup.sh adds)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DEBS=$REPO/build/debs-qemu
ROOT=$REPO/build/qemu-arm64
if [ -x "$ROOT/usr/bin/qemu-system-aarch64" ]; then
    exit 0
fi
mkdir -p "$DEBS"
# Packages qemu-system-aarch64 needs to start with -nographic -kernel: the
# whole Depends closure, minus what an arm64 root already is or that only
# matters for a desktop (none is loaded with -display none).
pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances \
    qemu-system-arm:arm64 | sed -n 's/^\([a-z0-9][^ <>]*\)$/\1/p' |
    sed 's/:arm64$//' | sort -u |
    grep -vxE 'debconf|debconf-2.0|dpkg|perl-base|base-files|adduser|passwd|login|init-system-helpers|lsb-base|sensible-utils|install-info|tar|coreutils|diffutils|grep|sed|bash|ucf|mount|util-linux|libpam.*|qemu-system-data|ipxe-qemu|seabios|qemu-efi.*|sysvinit-utils|libsystemd0|systemd.*')
cd "$DEBS"
want=()
for p in $pkgs; do
    ls "${p}"_*.deb >/dev/null 2>&1 || want+=("$p:arm64")
done
# One apt-get for all (each start costs seconds); one by one if that fails.
if [ ${#want[@]} -gt 0 ] && ! apt-get download -q "${want[@]}" >/dev/null 2>&1; then
    for p in "${want[@]}"; do
        ls "${p%:arm64}"_*.deb >/dev/null 2>&1 && continue
        apt-get download -q "$p" >/dev/null 2>&1 ||
            apt-get download -q "${p%:arm64}" >/dev/null 2>&1 ||
            echo "fetch-qemu: cannot download ${p%:arm64} (skipped)" >&2
    done
fi
rm -rf "$ROOT.tmp"
mkdir -p "$ROOT.tmp"
for d in "$DEBS"/*.deb; do
    dpkg-deb -x "$d" "$ROOT.tmp"
done
[ -x "$ROOT.tmp/usr/bin/qemu-system-aarch64" ] ||
    { echo "fetch-qemu: qemu-system-aarch64 missing after unpacking" >&2; exit 1; }
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
echo "fetch-qemu: $(ls "$DEBS" | wc -l) packages in $ROOT"
