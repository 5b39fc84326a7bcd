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
#   Image-generic      Debian's generic arm64 kernel: it has gpio_keys (a
#                      module) and gpio-pl061 (built in), so it hears vmm's
#                      power button; the cloud kernel has no gpio-keys
#   initramfs-generic.cpio.gz
#                      the same root with the generic kernel's modules:
#                      the virtio ones plus gpio_keys and evdev
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
# The generic kernel's: the power button needs gpio_keys and evdev (for
# /dev/input/event*, which the guest's acpid reads).
GENERIC_MODULES=("${GUEST_MODULES[@]}" gpio_keys evdev)
OUTPUTS=(Image Image.gz initramfs.cpio initramfs.cpio.gz Image-generic
         initramfs-generic.cpio.gz)

force=0
[ "${1:-}" = -f ] && force=1

kdeb=$(find_deb 'linux-image-*-cloud-arm64')
gdeb=$(find_deb 'linux-image-*[0-9]-arm64')
bbdeb=$(find_deb busybox-static)
TOOLS=(mmio-probe mmio-stress blkbench sockreq vsock-echo)
inputs=("$kdeb" "$gdeb" "$bbdeb" "$REPO/guest-images/init" "$REPO/guest-images/lib.sh"
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
    for o in "${OUTPUTS[@]}"; do
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
gdir=$(extract_deb "$gdeb")
bbdir=$(extract_deb "$bbdeb")
kver=$(kernel_version "$kdir")
gver=$(kernel_version "$gdir")
kimg=$kdir/boot/vmlinuz-$kver
gimg=$gdir/boot/vmlinuz-$gver
[ -f "$kimg" ] || img_die "kernel image $kimg missing"
[ -f "$gimg" ] || img_die "kernel image $gimg missing"
# The power button needs gpio-pl061 and gpio-keys; say so if Debian
# ever drops them rather than ship a guest that ignores the button.
grep -q '^CONFIG_GPIO_PL061=y' "$gdir/boot/config-$gver" ||
    img_die "$gver: CONFIG_GPIO_PL061 is not built in"
grep -q '^CONFIG_KEYBOARD_GPIO=[ym]' "$gdir/boot/config-$gver" ||
    img_die "$gver: no CONFIG_KEYBOARD_GPIO (gpio-keys)"

mkdir -p "$OUT"
tmp=$(mktemp -d "$OUT/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
st=$tmp/root

mkdir -p "$st"/{dev,proc,sys,tmp,run,root,etc,mnt,lib/modules}
chmod 1777 "$st/tmp"
install_busybox "$st" "$bbdir/bin/busybox"
install -m 755 "$REPO/guest-images/init" "$st/init"
# The power button's handler (busybox acpid runs /etc/acpi/PWRF/00000080
# for KEY_POWER): the init's shutdown path.
mkdir -p "$st/etc/acpi/PWRF"
printf '#!/bin/sh\nexec /init shutdown "power button"\n' > "$st/etc/acpi/PWRF/00000080"
chmod 755 "$st/etc/acpi/PWRF/00000080"
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

# The generic kernel's initramfs first: the same root, other modules.
cp -a "$st" "$tmp/groot"
copy_modules "$gdir/lib/modules/$gver" "$tmp/groot/lib/modules/$gver" "${GENERIC_MODULES[@]}"
find "$tmp/groot" -type d -exec chmod go-w {} +
chmod 1777 "$tmp/groot/tmp"
make_cpio "$tmp/groot" "$tmp/initramfs-generic.cpio"
gzip -9 -n -c "$tmp/initramfs-generic.cpio" > "$tmp/initramfs-generic.cpio.gz"
rm -f "$tmp/initramfs-generic.cpio"

copy_modules "$kdir/lib/modules/$kver" "$st/lib/modules/$kver" "${GUEST_MODULES[@]}"
find "$st" -type d -exec chmod go-w {} +
chmod 1777 "$st/tmp"
make_cpio "$st" "$tmp/initramfs.cpio"
gzip -9 -n -c "$tmp/initramfs.cpio" > "$tmp/initramfs.cpio.gz"

# The Debian arm64 vmlinuz is normally an uncompressed Image; handle a
# gzip-compressed one too.
unpack_image() { # unpack_image VMLINUZ OUT
    if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
        gzip -dc "$1" > "$2"
    else
        cp "$1" "$2"
    fi
}
unpack_image "$kimg" "$tmp/Image"
unpack_image "$gimg" "$tmp/Image-generic"
gzip -9 -n -c "$tmp/Image" > "$tmp/Image.gz"

for o in "${OUTPUTS[@]}"; do
    mv -f "$tmp/$o" "$OUT/$o"
done
# The same static tools, for the (real or emulated) arm64 host to run.
rm -rf "$OUT/tools"
mv "$tmp/tools" "$OUT/tools"
echo "$kver" > "$OUT/kernel-version"
echo "$gver" > "$OUT/kernel-version-generic"
sed "s|^|/lib/modules/$kver/|" "$st/lib/modules/$kver/load-order" > "$OUT/modules.txt"
echo "guest-images: done: kernel $kver, modules: $(sed 's|.*/||; s|\.ko$||' "$st/lib/modules/$kver/load-order" | tr '\n' ' ')"
echo "guest-images: generic kernel $gver, modules: $(sed 's|.*/||; s|\.ko$||' "$tmp/groot/lib/modules/$gver/load-order" | tr '\n' ' ')"
(cd "$OUT" && ls -l "${OUTPUTS[@]}") | sed 's/^/guest-images:   /'
