#!/bin/bash
# One-time (idempotent) set-up for building and running vmm.
#
# Run as root on Debian 12 (x86_64 or arm64):
#   - installs the needed Debian packages (only the missing ones),
#   - on non-arm64 hosts: adds the arm64 dpkg architecture, installs the
#     aarch64 cross compiler and QEMU, and builds an arm64 sysroot with
#     libfdt, zlib and liburing in build/arm64-sysroot/,
#   - downloads the arm64 kernel/busybox .debs into build/debs/,
#   - builds the default guest and its test disk (build/guest/) and, on
#     non-arm64 hosts, the emulated arm64 KVM host's initramfs
#     (build/arm64-host/).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build
DEBS=$BUILD/debs
SYSROOT=$BUILD/arm64-sysroot

log() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
trap 'die "failed at line $LINENO (command: $BASH_COMMAND)"' ERR

[ "$(id -u)" = 0 ] || die "must be run as root (apt-get is needed)"
command -v apt-get >/dev/null || die "this script needs a Debian-based system (apt-get)"

export DEBIAN_FRONTEND=noninteractive
ARCH=$(uname -m)
NATIVE=0   # 1: arm64 machine (no cross compiler or sysroot needed)
EMU=1      # 1: need QEMU to emulate an arm64 KVM host
if [ "$ARCH" = aarch64 ]; then
    NATIVE=1
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then EMU=0; fi
fi

PKGS=(make gcc libc6-dev pkg-config check libfdt-dev zlib1g-dev
      device-tree-compiler cpio gzip liburing-dev e2fsprogs clang
      libseccomp-dev libyajl-dev libevent-dev curl gnuplot-nox)
if [ $NATIVE = 0 ]; then
    PKGS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
fi
if [ $EMU = 1 ]; then PKGS+=(qemu-system-arm); fi

updated=0
apt_update() {
    if [ $updated = 0 ]; then
        log "apt-get update"
        apt-get update -qq || die "apt-get update failed"
        updated=1
    fi
}

# arm64 architecture (needed so apt can see arm64 packages to download).
if [ $NATIVE = 0 ]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        log "adding dpkg architecture arm64"
        dpkg --add-architecture arm64
        apt_update
    fi
fi

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    apt_update
    log "installing: ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
else
    log "packages already installed"
fi

# Make sure arm64 package lists exist (e.g. architecture added earlier but
# never updated).
if ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
    apt_update
fi

# Resolve the versioned kernel package behind a meta package.
kernel_pkg() {
    local meta=$1 dep
    dep=$(apt-cache depends "$meta:arm64" 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -n1)
    [ -n "$dep" ] || die "cannot resolve kernel package behind $meta:arm64"
    echo "$dep"
}

# The arm64 libraries vmm links (static archives from the -dev packages,
# shared objects for the sanitized build), and a file each must provide.
SYSROOT_PKGS=(libfdt-dev libfdt1 zlib1g-dev zlib1g liburing-dev liburing2
              libseccomp-dev libseccomp2 libyajl-dev libyajl2
              libevent-dev libevent-2.1-7 libevent-core-2.1-7
              libevent-extra-2.1-7 libevent-pthreads-2.1-7
              libevent-openssl-2.1-7)
SYSROOT_FILES=(usr/include/libfdt.h usr/include/zlib.h usr/include/liburing.h
               usr/include/yajl/yajl_parse.h usr/include/event2/http.h
               usr/lib/aarch64-linux-gnu/libfdt.a usr/lib/aarch64-linux-gnu/libz.a
               usr/lib/aarch64-linux-gnu/liburing.a
               usr/lib/aarch64-linux-gnu/libseccomp.a
               usr/lib/aarch64-linux-gnu/libyajl_s.a
               usr/lib/aarch64-linux-gnu/libevent_core.a
               usr/lib/aarch64-linux-gnu/libevent_extra.a)

mkdir -p "$DEBS"
DEB_PKGS=("$(kernel_pkg linux-image-cloud-arm64)" "$(kernel_pkg linux-image-arm64)"
          busybox-static)
if [ $NATIVE = 0 ]; then
    DEB_PKGS+=("${SYSROOT_PKGS[@]}")
fi
need=()
for p in "${DEB_PKGS[@]}"; do
    if ! compgen -G "$DEBS/${p}_*_arm64.deb" >/dev/null; then
        need+=("$p:arm64")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    log "downloading arm64 packages: ${need[*]}"
    tmp=$(mktemp -d "$DEBS/.dl.XXXXXX")
    chmod 755 "$tmp"   # apt may download as user _apt
    if ! (cd "$tmp" && apt-get download -qq "${need[@]}" >/dev/null 2>&1); then
        # Lists may be stale (old kernel ABI removed from the mirror): retry
        # after an update.
        apt_update
        (cd "$tmp" && apt-get download -qq "${need[@]}" >/dev/null) \
            || { rm -rf "$tmp"; die "apt-get download ${need[*]} failed"; }
    fi
    mv "$tmp"/*.deb "$DEBS"/
    rm -rf "$tmp"
else
    log "arm64 .debs already in build/debs"
fi

# arm64 sysroot with the libraries above, for cross-linking.
sysroot_complete() {
    local f
    for f in "${SYSROOT_FILES[@]}"; do [ -e "$SYSROOT/$f" ] || return 1; done
}
if [ $NATIVE = 0 ]; then
    if sysroot_complete; then
        log "arm64 sysroot already present (build/arm64-sysroot)"
    else
        log "extracting ${SYSROOT_PKGS[*]} into build/arm64-sysroot"
        rm -rf "$SYSROOT"
        mkdir -p "$SYSROOT"
        for p in "${SYSROOT_PKGS[@]}"; do
            deb=$(ls "$DEBS/${p}"_*_arm64.deb | sort -V | tail -n1)
            dpkg-deb -x "$deb" "$SYSROOT"
        done
        for f in "${SYSROOT_FILES[@]}"; do
            [ -e "$SYSROOT/$f" ] || die "$f missing in build/arm64-sysroot"
        done
    fi
fi

log "building default guest image (build/guest)"
"$REPO/guest-images/build.sh"

log "building the virtio-blk test disk (build/guest/test-disk.ext4)"
"$REPO/guest-images/build-disk.sh"

if [ $EMU = 1 ]; then
    log "building emulated arm64 KVM host initramfs (build/arm64-host)"
    "$REPO/scripts/arm64-host.sh" --prepare
fi

log "done"
