#!/bin/sh
# The runs of scripts/profile-layout.sh, on the arm64 KVM host (as root):
#
#   profile-layout-inner.sh VMM OUTDIR
#
# With fault-around off (one page mapped per fault), each run boots the
# default guest under VMM (the profile build: every function on pages of
# its own) to poweroff; VMM lists the pages of its image that are mapped
# as it exits (scripts/profile-pages.c) in OUTDIR/N.pages, for the runs in
# order: 1 quiet boot, 2 full console log, 3 virtio-blk I/O.
set -eu

VMM=$1
OUT=$2
DBG=/sys/kernel/debug
K=build/guest/Image
I=build/guest/initramfs.cpio.gz

[ -e $DBG/fault_around_bytes ] || mount -t debugfs none $DBG 2>/dev/null ||
	true
if ! [ -w $DBG/fault_around_bytes ]; then
	echo "profile-layout: $DBG/fault_around_bytes is not writable" \
		"(needs root and debugfs)" >&2
	exit 1
fi
fa=$(cat $DBG/fault_around_bytes)
trap 'echo "$fa" >$DBG/fault_around_bytes' EXIT
echo 4096 >$DBG/fault_around_bytes

# run N CMDLINE [VMM ARGS...]
run() {
	n=$1
	cl=$2
	shift 2
	if ! VMM_PROFILE_PAGES="$OUT/$n.pages" "$VMM" --kernel $K --initrd $I \
		--mem 256M --cmdline "$cl" "$@" </dev/null >"$OUT/$n.console" \
		2>"$OUT/$n.err" || ! [ -s "$OUT/$n.pages" ]; then
		echo "profile-layout: run $n failed; see $OUT/$n.err" >&2
		exit 1
	fi
	echo "profile-layout: run $n: $(wc -l <"$OUT/$n.pages") pages"
}

dd if=/dev/urandom of="$OUT/disk.img" bs=1M count=16 2>/dev/null
run 1 'quiet run="true"'
run 2 'run="true"'
run 3 'quiet run="dd if=/dev/vda of=/dev/null bs=64k; dd if=/dev/zero of=/dev/vda bs=64k count=64 conv=fsync"' \
	--disk "$OUT/disk.img"
