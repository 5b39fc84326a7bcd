#!/bin/bash
# Builds the default vmm guest into build/guest/ from the arm64 .debs that
# scripts/setup.sh downloaded into build/debs/:
#   Image              Debian cloud arm64 kernel (uncompressed arm64 Image)
#   Image.gz           gzip -9 -n of Image
#   initramfs.cpio     busybox-static + virtio modules + guest-images/init
#                      + guest-images/tools/*.c (static, in /usr/bin)
#   tools/             those tools again, for the arm64 host (benchmarks,
#                      vsock tests)
#   initramfs.cpio.gz  gzip -9 -n of initramfs.cpio
# Reproducible (fixed mtimes = SOURCE_DATE_EPOCH, sorted entries, gzip -n).
# Does nothing when the outputs are newer than all inputs (use -f to force).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMG_PROG=guest-images/build.sh
. "$REPO/guest-images/lib.sh"

OUT=$BUILD/guest
# Modules loaded by the guest's /init (plus their dependencies).
GUEST_MODULES=(virtio_mmio virtio_blk virtio_net virtio_console virtio-rng
               vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport)

force=0
[ "${1:-}" = -f ] && force=1

kdeb=$(find_deb 'linux-image-*-cloud-arm64')
bbdeb=$(find_deb busybox-static)
TOOLS=(mmio-probe mmio-stress blkbench vsock-echo)
inputs=("$kdeb" "$bbdeb" "$REPO/guest-images/init" "$REPO/guest-images/lib.sh"
        "$REPO/guest-images/build.sh")
for t in "${TOOLS[@]}"; do inputs+=("$REPO/guest-images/tools/$t.c"); done
# Guest tools are static arm64 programs: cross-compiled unless native.
if [ "$(uname -m)" = aarch64 ]; then
    GUEST_CC=${GUEST_CC:-gcc}
else
    GUEST_CC=${GUEST_CC:-aarch64-linux-gnu-gcc}
fi

uptodate() {
    local o i
    for o in Image Image.gz initramfs.cpio initramfs.cpio.gz; do
        [ -f "$OUT/$o" ] || return 1
        for i in "${inputs[@]}"; do
            [ "$OUT/$o" -nt "$i" ] || return 1
        done
    done
}
if [ $force = 0 ] && uptodate; then
    echo "guest-images: build/guest is up to date"
    exit 0
fi

echo "guest-images: building build/guest from $(basename "$kdeb") and $(basename "$bbdeb")"
kdir=$(extract_deb "$kdeb")
bbdir=$(extract_deb "$bbdeb")
kver=$(kernel_version "$kdir")
kimg=$kdir/boot/vmlinuz-$kver
[ -f "$kimg" ] || img_die "kernel image $kimg missing"

mkdir -p "$OUT"
tmp=$(mktemp -d "$OUT/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
st=$tmp/root

mkdir -p "$st"/{dev,proc,sys,tmp,run,root,etc,mnt,lib/modules}
chmod 1777 "$st/tmp"
install_busybox "$st" "$bbdir/bin/busybox"
copy_modules "$kdir/lib/modules/$kver" "$st/lib/modules/$kver" "${GUEST_MODULES[@]}"
install -m 755 "$REPO/guest-images/init" "$st/init"
mkdir -p "$st/usr/bin"
mkdir -p "$tmp/tools"
for t in "${TOOLS[@]}"; do
    "$GUEST_CC" -static -O2 -Wall -Wextra -o "$st/usr/bin/$t" \
        "$REPO/guest-images/tools/$t.c" || img_die "cannot build guest tool $t"
    cp "$st/usr/bin/$t" "$tmp/tools/$t"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$st/etc/passwd"
printf 'root:x:0:\n' > "$st/etc/group"
find "$st" -type d -exec chmod go-w {} +
chmod 1777 "$st/tmp"

make_cpio "$st" "$tmp/initramfs.cpio"
gzip -9 -n -c "$tmp/initramfs.cpio" > "$tmp/initramfs.cpio.gz"

# The Debian arm64 vmlinuz is normally an uncompressed Image; handle a
# gzip-compressed one too.
if [ "$(head -c 2 "$kimg" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
    gzip -dc "$kimg" > "$tmp/Image"
else
    cp "$kimg" "$tmp/Image"
fi
gzip -9 -n -c "$tmp/Image" > "$tmp/Image.gz"

for o in Image Image.gz initramfs.cpio initramfs.cpio.gz; do
    mv -f "$tmp/$o" "$OUT/$o"
done
# The same static tools, for the (real or emulated) arm64 host to run.
rm -rf "$OUT/tools"
mv "$tmp/tools" "$OUT/tools"
echo "$kver" > "$OUT/kernel-version"
sed "s|^|/lib/modules/$kver/|" "$st/lib/modules/$kver/load-order" > "$OUT/modules.txt"
echo "guest-images: done: kernel $kver, modules: $(sed 's|.*/||; s|\.ko$||' "$st/lib/modules/$kver/load-order" | tr '\n' ' ')"
ls -l "$OUT"/Image "$OUT"/Image.gz "$OUT"/initramfs.cpio "$OUT"/initramfs.cpio.gz | sed 's/^/guest-images:   /'
