# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- virtio-blk ------------------------------------------------------------------
# Scratch disks live on the host's tmpfs: it punches holes and counts
# blocks, which the 9p-shared repository cannot be relied on to do.
S=/tmp/itest-disks
rm -rf "$S"
mkdir -p "$S"
sectors() { echo $(($(stat -c %s "$1") / 512)); }
disk_boot() { # disk_boot NAME 'guest command' vmm-args...
	_name=$1 _cmd=$2
	shift 2
	boot "$_name" "$_cmd" --stats "$@"
}

if [ -f build/guest/test-disk.ext4 ] && [ -f build/guest/test-disk.sha256 ]; then
	cp build/guest/test-disk.ext4 "$S/fs.ext4"
	disk_boot disk_ext4 'cat /sys/block/vda/size /sys/block/vda/serial; echo; mount -t ext4 /dev/vda /mnt && cd /mnt && find . -type f ! -path ./lost+found/\* | sed s,^./,, | sort | xargs sha256sum; echo written-by-guest >/mnt/new.txt; cd /; umount /mnt; sync' \
		--disk "$S/fs.ext4,serial=itest-fs"
	if expect_rc "ext4 disk: size, serial, files read with known checksums" 0; then
		want=$(sectors "$S/fs.ext4")
		ok=1
		out_lines | grep -qx "$want" || ok=0
		out_lines | grep -qx itest-fs || ok=0
		while read -r sum file; do
			out_lines | grep -q "^$sum  ${file#./}\$" || ok=0
		done <build/guest/test-disk.sha256
		if [ $ok = 1 ]; then
			pass "ext4 disk: size, serial, files read with known checksums"
		else
			fail "ext4 disk: size, serial, files read with known checksums" \
				"size $want, serial or a checksum missing"
		fi
		# run.sh checks new.txt in this image from outside, with debugfs.
		cp "$S/fs.ext4" "$D/fs-after-write.ext4"
	fi
else
	say "skip - ext4 disk tests (build/guest/test-disk.ext4 missing: guest-images/build-disk.sh)"
fi

# Raw disk: the guest writes, syncs, powers off; the host finds the bytes.
dd if=/dev/zero of="$S/raw.img" bs=1M count=16 2>/dev/null
disk_boot disk_write 'echo raw-bytes-from-guest | dd of=/dev/vda bs=512 seek=2048 conv=sync,fsync 2>/dev/null; sync' \
	--disk "$S/raw.img"
if expect_rc "raw disk: guest write + sync lands in the host file" 0; then
	if dd if="$S/raw.img" bs=512 skip=2048 count=1 2>/dev/null |
		grep -q raw-bytes-from-guest; then
		pass "raw disk: guest write + sync lands in the host file"
	else
		fail "raw disk: guest write + sync lands in the host file" \
			"bytes not at sector 2048"
	fi
fi

# kill -9 right after the guest's fsync returned: the write must be there.
T=disk_kill9
"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --disk "$S/raw.img" \
	--cmdline 'quiet run="echo acknowledged-write | dd of=/dev/vda bs=512 seek=4096 conv=sync,fsync 2>/dev/null && echo FSYNC-RETURNED; sleep 600"' \
	</dev/null >"$D/$T.out" 2>"$D/$T.err" &
pid=$!
wait_out FSYNC-RETURNED
kill -9 $pid
wait $pid
if out_has FSYNC-RETURNED && dd if="$S/raw.img" bs=512 skip=4096 count=1 2>/dev/null |
	grep -q acknowledged-write; then
	pass "kill -9 after the guest's fsync: no acknowledged write lost"
else
	fail "kill -9 after the guest's fsync: no acknowledged write lost" \
		"bytes missing at sector 4096"
fi

# Read-only: the guest sees it, writes fail, the host file is unchanged.
dd if=/dev/urandom of="$S/ro.img" bs=1M count=4 2>/dev/null
before=$(sha256sum "$S/ro.img" | cut -d' ' -f1)
disk_boot disk_ro 'cat /sys/block/vda/ro; dd if=/dev/zero of=/dev/vda bs=4096 count=1 conv=fsync 2>&1 && echo WRITE-SUCCEEDED; true' \
	--disk "$S/ro.img,ro"
after=$(sha256sum "$S/ro.img" | cut -d' ' -f1)
if expect_rc "ro disk: guest sees read-only, writes fail, file unchanged" 0; then
	if out_lines | grep -qx 1 && ! out_has WRITE-SUCCEEDED &&
		[ "$before" = "$after" ]; then
		pass "ro disk: guest sees read-only, writes fail, file unchanged"
	else
		fail "ro disk: guest sees read-only, writes fail, file unchanged" \
			"ro flag, write result or checksum wrong"
	fi
fi

# Two disks at once: vda and vdb, each with its own size.
dd if=/dev/zero of="$S/a.img" bs=1M count=8 2>/dev/null
dd if=/dev/zero of="$S/b.img" bs=1M count=12 2>/dev/null
disk_boot disk_two 'echo vda=$(cat /sys/block/vda/size) vdb=$(cat /sys/block/vdb/size)' \
	--disk "$S/a.img" --disk "$S/b.img"
if expect_rc "two disks: vda and vdb with their sizes" 0; then
	if out_has "vda=16384 vdb=24576"; then
		pass "two disks: vda and vdb with their sizes"
	else
		fail "two disks: vda and vdb with their sizes" "sizes wrong"
	fi
fi

# Discard gives blocks back to the host, and the range reads back as zeros.
# (Write-zeroes has no busybox front end; the unit tests cover it.)
dd if=/dev/urandom of="$S/discard.img" bs=1M count=16 2>/dev/null
blocks_before=$(stat -c %b "$S/discard.img")
disk_boot disk_discard 'blkdiscard -o 0 -l 8388608 /dev/vda && echo DISCARDED' \
	--disk "$S/discard.img"
blocks_after=$(stat -c %b "$S/discard.img")
nonzero=$(dd if="$S/discard.img" bs=1M skip=3 count=1 2>/dev/null |
	od -An -v -tx1 | tr -d ' \n0' | wc -c)
if expect_rc "discard frees host blocks, range reads as zeros" 0; then
	if out_has DISCARDED && [ "$blocks_after" -lt "$blocks_before" ] &&
		[ "$nonzero" = 0 ]; then
		pass "discard frees host blocks, range reads as zeros ($blocks_before -> $blocks_after blocks)"
	else
		fail "discard frees host blocks, range reads as zeros" \
			"blocks $blocks_before -> $blocks_after, nonzero bytes $nonzero"
	fi
fi

# Bad disks: a clear error before boot, exit 3, the file untouched.
printf 'abc' >"$S/odd.img"
dd if=/dev/zero of="$S/rw.img" bs=1M count=1 2>/dev/null
rw_before=$(sha256sum "$S/rw.img" | cut -d' ' -f1)
bad disk_missing 3 "disk '$S/nope.img'" --kernel "$KERNEL" --disk "$S/nope.img"
bad disk_directory 3 "disk '$S'" --kernel "$KERNEL" --disk "$S"
bad disk_odd_size 3 'not a multiple of 512' --kernel "$KERNEL" --disk "$S/odd.img"
bad disk_twice_rw 3 'given twice' --kernel "$KERNEL" --disk "$S/rw.img" \
	--disk "$S/rw.img"
bad disk_bad_option 2 "unknown option 'rw'" --kernel "$KERNEL" \
	--disk "$S/rw.img,rw"
if [ "$(sha256sum "$S/rw.img" | cut -d' ' -f1)" = "$rw_before" ]; then
	pass "rejected disks are left unchanged"
else
	fail "rejected disks are left unchanged" "checksum changed"
fi
if [ "$(id -u)" = 0 ]; then
	say "skip - unreadable disk file (running as root, which reads anything)"
else
	cp "$S/rw.img" "$S/unreadable.img"
	chmod 000 "$S/unreadable.img"
	bad disk_unreadable 3 'Permission denied' --kernel "$KERNEL" \
		--disk "$S/unreadable.img"
fi
rm -rf "$S"
