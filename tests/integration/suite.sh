#!/bin/sh
# The integration tests proper. POSIX sh: runs under busybox in the emulated
# arm64 KVM host, or directly on an arm64 machine with /dev/kvm. Every test
# boots the default guest (guest-images/) with build/arm64/vmm and asserts
# what a user sees: console output, exit codes, error messages.
#
# Results go to $VMM_ITEST_DIR/results, one "ok/not ok/skip - name" line each.

VMM=${VMM:-build/arm64/vmm}
D=${VMM_ITEST_DIR:-build/itest}
KERNEL=build/guest/Image
INITRD=build/guest/initramfs.cpio.gz
RESULTS=$D/results
# A guest that hangs must not hang the suite.
LIMIT=${VMM_ITEST_BOOT_LIMIT:-240}
mkdir -p "$D"
: >"$RESULTS"

say() { echo "$*" | tee -a "$RESULTS"; }
pass() { say "ok - $1"; }
fail() {
	say "not ok - $1: $2"
	# Show what the user would have seen.
	for f in "$D/$T.out" "$D/$T.err"; do
		[ -s "$f" ] && { echo "--- $f (tail)"; tail -n 15 "$f"; }
	done
}

# vmm_run NAME ARGS... : run vmm, stdout/stderr to $D/NAME.{out,err}, sets RC.
vmm_run() {
	T=$1
	shift
	timeout -s KILL "$LIMIT" "$VMM" "$@" <"${STDIN:-/dev/null}" \
		>"$D/$T.out" 2>"$D/$T.err"
	RC=$?
}
boot() { # boot NAME 'guest command' [more vmm args]
	_name=$1 _cmd=$2
	shift 2
	vmm_run "$_name" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
		--cmdline "quiet run=\"$_cmd\"" "$@"
}
# The guest's tty ends lines with CR LF; compare lines without the CR.
out_lines() { tr -d '\r' <"$D/$T.out"; }
out_has() { grep -qs -- "$1" "$D/$T.out"; }
err_has() { grep -qs -- "$1" "$D/$T.err"; }
wait_out() { # wait_out TEXT: until $D/$T.out has TEXT, $LIMIT s at most
	_i=0
	while [ $_i -lt "$LIMIT" ] && ! out_has "$1"; do
		sleep 1
		_i=$((_i + 1))
	done
}
expect_rc() { # expect_rc NAME WANT
	if [ "$RC" = "$2" ]; then return 0; fi
	fail "$1" "exit code $RC, want $2"
	return 1
}

bad() { # bad NAME WANT_RC 'message regexp' VMM ARGS...
	_name=$1 want=$2 msg=$3
	shift 3
	vmm_run "$_name" "$@"
	if expect_rc "$_name: exit $want" "$want"; then
		if err_has "$msg" && [ "$(wc -l <"$D/$_name.err")" -le 2 ] &&
			! [ -s "$D/$_name.out" ]; then
			pass "$_name: exit $want, says '$msg'"
		else
			fail "$_name" "stderr lacks '$msg' or guest output appeared"
		fi
	fi
}

if [ ! -c /dev/kvm ]; then
	say "not ok - /dev/kvm present on the arm64 host"
	exit 1
fi

# --- boot and console --------------------------------------------------------
# Full console log (no quiet): the kernel talks a lot through the UART.
T=boot_full_log
vmm_run $T --kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
	--cmdline 'run="echo hello from the guest"' --stats
if expect_rc "default guest boots to init, full log, poweroff exits 0" 0; then
	if out_has 'Booting Linux on physical CPU' && out_has VMM_GUEST_INIT_READY &&
		out_has 'hello from the guest' && out_has VMM_GUEST_RUN_EXIT=0; then
		pass "default guest boots to init, full log, poweroff exits 0"
	else
		fail "default guest boots to init, full log, poweroff exits 0" \
			"console lacks the kernel banner, init marker or output"
	fi
fi

if err_has 'vmm: stats: exit_code=0 ' && err_has 'mmio_exits=[1-9]'; then
	pass "--stats reports exit code and MMIO exits"
else
	fail "--stats reports exit code and MMIO exits" "no stats line"
fi

for n in 2 4; do
	boot cpus$n 'nproc; grep -c ^processor /proc/cpuinfo' --cpus $n
	if expect_rc "--cpus $n: guest counts $n CPUs" 0; then
		if [ "$(out_lines | grep -c "^$n\$")" = 2 ]; then
			pass "--cpus $n: guest counts $n CPUs"
		else
			fail "--cpus $n: guest counts $n CPUs" "nproc/cpuinfo disagree"
		fi
	fi
done

# Commands typed on stdin reach the guest shell and their output comes back.
printf 'echo answer-$((6*7))\nuname -m\npoweroff -f\n' >"$D/stdin.txt"
STDIN=$D/stdin.txt vmm_run stdin --kernel "$KERNEL" --initrd "$INITRD" \
	--mem 256M --cmdline quiet
if expect_rc "commands on stdin run in the guest shell" 0; then
	if out_has 'answer-42' && out_has aarch64; then
		pass "commands on stdin run in the guest shell"
	else
		fail "commands on stdin run in the guest shell" "no command output"
	fi
fi

# The same through a pipe that stays open: input is fed as the guest asks.
T=stdin_pipe
{ sleep 1; printf 'echo piped-$((2+3))\n'; sleep 1; printf 'poweroff -f\n'; } |
	timeout -s KILL "$LIMIT" "$VMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--mem 256M --cmdline quiet >"$D/$T.out" 2>"$D/$T.err"
RC=$?
if expect_rc "commands from a pipe run in the guest shell" 0; then
	if out_has 'piped-5'; then
		pass "commands from a pipe run in the guest shell"
	else
		fail "commands from a pipe run in the guest shell" "no output"
	fi
fi

# The virtio console (hvc0): reaches init, runs commands from stdin, and
# moves output in whole buffers (a handful of exits, not two per byte).
printf 'echo via-hvc-$((3*3))\npoweroff -f\n' >"$D/hvc-stdin.txt"
STDIN=$D/hvc-stdin.txt vmm_run console_virtio --kernel "$KERNEL" \
	--initrd "$INITRD" --mem 256M --console virtio --stats
if expect_rc "--console virtio: init and stdin commands through hvc0" 0; then
	if out_has VMM_GUEST_INIT_READY && out_has 'via-hvc-9' &&
		err_has 'console=hvc0 tx_requests=[1-9]'; then
		pass "--console virtio: init and stdin commands through hvc0"
	else
		fail "--console virtio: init and stdin commands through hvc0" \
			"no marker, no command output or no hvc0 traffic"
	fi
fi

# --- scripting: events, boot timer, timeout, serial log ---------------------
# Boot -> poweroff: the events come in order, each once, and agree with
# the exit code; the boot timer's time is in the events and the stats.
T=events_poweroff
boot $T 'echo payload-ran' --events "$D/ev-poweroff.jsonl" --stats \
	--serial-log "$D/serial.log"
seq=$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$D/ev-poweroff.jsonl" | tr '\n' ' ')
if expect_rc "events: created, kernel_started, boot_complete, guest_poweroff, exit 0" 0; then
	if [ "$seq" = "created kernel_started boot_complete guest_poweroff exit " ] &&
		grep -q '"event":"exit","code":0,' "$D/ev-poweroff.jsonl" &&
		grep -q '"event":"boot_complete","boot_ms":[1-9]' "$D/ev-poweroff.jsonl" &&
		err_has 'boot_ms=[1-9]'; then
		pass "events: created, kernel_started, boot_complete, guest_poweroff, exit 0"
	else
		fail "events: created, kernel_started, boot_complete, guest_poweroff, exit 0" \
			"sequence '$seq'"
	fi
fi
if tr -d '\r' <"$D/serial.log" | grep -qx payload-ran &&
	cmp -s "$D/serial.log" "$D/$T.out"; then
	pass "--serial-log: the same bytes as stdout"
else
	fail "--serial-log: the same bytes as stdout" "log differs or lacks the output"
fi

# --timeout: the VM is stopped, exit 124, and the events say why.
T=timeout
vmm_run $T --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cmdline quiet \
	--timeout 20 --events "$D/ev-timeout.jsonl"
seq=$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$D/ev-timeout.jsonl" | tr '\n' ' ')
if expect_rc "--timeout: exit 124, events end with timeout, exit 124" 124; then
	if [ "$seq" = "created kernel_started boot_complete timeout exit " ] &&
		grep -q '"event":"exit","code":124,' "$D/ev-timeout.jsonl"; then
		pass "--timeout: exit 124, events end with timeout, exit 124"
	else
		fail "--timeout: exit 124, events end with timeout, exit 124" \
			"sequence '$seq'"
	fi
fi
bad bad_timeout 2 "--timeout '0'" --kernel "$KERNEL" --timeout 0

# --- lifecycle and exit codes -----------------------------------------------
boot reboot 'reboot -f'
expect_rc "guest reboot exits 10" 10 && pass "guest reboot exits 10"

boot panic 'echo c >/proc/sysrq-trigger' --cmdline "quiet panic=-1 run=\"echo c >/proc/sysrq-trigger\""
expect_rc "guest panic with panic=-1 exits 10" 10 &&
	pass "guest panic with panic=-1 exits 10"

boot fail_cmd 'exit 3'
if expect_rc "guest command status is reported, guest still powers off" 0; then
	if out_has VMM_GUEST_RUN_EXIT=3; then
		pass "guest command status is reported, guest still powers off"
	else
		fail "guest command status is reported, guest still powers off" \
			"no VMM_GUEST_RUN_EXIT=3"
	fi
fi

# SIGTERM and SIGINT stop every vCPU and exit with their own codes.
for sig in TERM:143 INT:130; do
	name=${sig%%:*} want=${sig##*:}
	T=sig$name
	# Interactive guest shell; stdin at EOF leaves it waiting, VM running.
	"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
		--cpus 2 --cmdline quiet --events "$D/ev-$name.jsonl" \
		</dev/null >"$D/$T.out" 2>"$D/$T.err" &
	pid=$!
	wait_out VMM_GUEST_INIT_READY
	kill -"$name" $pid
	wait $pid
	RC=$?
	seq=$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$D/ev-$name.jsonl" | tr '\n' ' ')
	if expect_rc "SIG$name stops the VM with exit $want" "$want"; then
		# boot_complete may or may not beat the signal: both are right.
		case $seq in
		"created kernel_started "*"shutdown_requested exit ") ev_ok=1 ;;
		*) ev_ok=0 ;;
		esac
		if [ $ev_ok = 1 ] &&
			grep -q "\"reason\":\"SIG$name\"" "$D/ev-$name.jsonl"; then
			pass "SIG$name stops the VM with exit $want; events say so"
		else
			fail "SIG$name stops the VM with exit $want" \
				"events '$seq'"
		fi
	fi
done

# --- confinement: every test here runs under the default seccomp filters ----
# A thread that makes a call outside its filter ends vmm: named with --seccomp
# log (exit 12), killed by SIGSYS by default. A test hook makes the call.
for who in main vcpu; do
	T=seccomp_log_$who
	VMM_TEST_SECCOMP_VIOLATION=$who timeout -s KILL "$LIMIT" "$VMM" \
		--kernel "$KERNEL" --initrd "$INITRD" --mem 256M --seccomp log \
		--cmdline 'quiet run="sleep 600"' </dev/null >"$D/$T.out" 2>"$D/$T.err"
	RC=$?
	case $who in main) thread="the main thread" ;; *) thread="a vCPU thread" ;; esac
	if expect_rc "--seccomp log: a refused call in $who is named, exit 12" 12; then
		if err_has "seccomp: $thread made system call [0-9]* (getppid)"; then
			pass "--seccomp log: a refused call in $who is named, exit 12"
		else
			fail "--seccomp log: a refused call in $who is named, exit 12" \
				"no message naming the thread and getppid"
		fi
	fi
done
T=seccomp_kill
VMM_TEST_SECCOMP_VIOLATION=main timeout -s KILL "$LIMIT" "$VMM" \
	--kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
	--cmdline 'quiet run="sleep 600"' </dev/null >"$D/$T.out" 2>"$D/$T.err"
RC=$?
expect_rc "default seccomp: a refused call kills vmm (SIGSYS)" 159 &&
	pass "default seccomp: a refused call kills vmm (SIGSYS)"
boot seccomp_off 'echo unconfined' --seccomp off
if expect_rc "--seccomp off: boots, with a loud warning" 0; then
	if out_has unconfined && err_has 'WITHOUT system call filters'; then
		pass "--seccomp off: boots, with a loud warning"
	else
		fail "--seccomp off: boots, with a loud warning" "output or warning"
	fi
fi

# Jailer-style launch: once set up, vmm runs as nobody inside an empty
# directory; the guest does not notice. Checked from outside, in /proc.
T=jail
J=/tmp/itest-jail
rm -rf "$J"
mkdir -p "$J"
"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cmdline quiet \
	--user 65534:65534 --chroot "$J" </dev/null >"$D/$T.out" 2>"$D/$T.err" &
pid=$!
wait_out VMM_GUEST_INIT_READY
uids=$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$pid/status | tr -s '[:space:]' ' ')
root=$(readlink /proc/$pid/root)
kill -TERM $pid
wait $pid
RC=$?
if expect_rc "--user/--chroot: runs as 65534 in the jail, boots" 143; then
	if out_has VMM_GUEST_INIT_READY && [ "$uids" = "65534 65534 65534 65534 " ] &&
		[ "$root" = "$J" ]; then
		pass "--user/--chroot: runs as 65534 in the jail, boots"
	else
		fail "--user/--chroot: runs as 65534 in the jail, boots" \
			"uids '$uids', root '$root'"
	fi
fi
rm -rf "$J"
bad bad_user 2 "--user 'nobody'" --kernel "$KERNEL" --user nobody

# A hostile guest: guest-images/tools/mmio-stress pokes every emulated
# device (UART, RTC, a disk's and the rng's virtio registers, unmapped
# addresses) with random registers, widths and values, and load/store
# pairs KVM cannot decode. vmm -- the ASan + UBSan build when there is one
# (make SANITIZE=1), under its default seccomp filters -- must survive, keep
# serving the console (hvc0, so the UART may be trashed), and report nothing.
SAN_VMM=build/arm64-san/vmm
T=stress
if [ -x "$SAN_VMM" ]; then
	stress_vmm=$SAN_VMM
	stress_what="ASan+UBSan build"
else
	stress_vmm=$VMM
	stress_what="plain build: make SANITIZE=1 vmm for the sanitized one"
fi
dd if=/dev/zero of=/tmp/itest-stress.img bs=1M count=8 2>/dev/null
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	timeout -s KILL "$LIMIT" "$stress_vmm" --kernel "$KERNEL" \
	--initrd "$INITRD" --mem 256M --console virtio --stats \
	--disk /tmp/itest-stress.img \
	--cmdline 'quiet iomem=relaxed run="mmio-stress 20000 7 0x9000000:0x1000 0x9010000:0x1000 0xa000000:0x200:virtio 0xa000400:0x200:virtio 0x9050000:0x1000 0xa000600:0x200; echo console-still-answers"' \
	</dev/null >"$D/$T.out" 2>"$D/$T.err"
RC=$?
rm -f /tmp/itest-stress.img
if expect_rc "hostile guest: 20000 random MMIO accesses, vmm survives ($stress_what)" 0; then
	if out_has 'mmio-stress: 20000 accesses' && out_has console-still-answers &&
		err_has 'nisv_exits=[1-9]' &&
		! err_has 'AddressSanitizer' && ! err_has 'runtime error'; then
		pass "hostile guest: 20000 random MMIO accesses, vmm survives ($stress_what)"
	else
		fail "hostile guest: 20000 random MMIO accesses, vmm survives" \
			"no summary, console dead, no ISV=0 exits, or a sanitizer report"
	fi
fi
if [ "$stress_vmm" = "$VMM" ]; then
	say "skip - hostile guest under ASan+UBSan ($SAN_VMM not built)"
fi

# --- devices -------------------------------------------------------------------
T=date
host_before=$(date +%s)
boot date 'date +%s'
host_after=$(date +%s)
guest=$(out_lines | grep -E '^[0-9]{9,}$' | head -n 1)
if expect_rc "guest date agrees with the host (PL031)" 0; then
	if [ -n "$guest" ] && [ "$guest" -ge $((host_before - 5)) ] &&
		[ "$guest" -le $((host_after + 5)) ]; then
		pass "guest date agrees with the host (PL031)"
	else
		fail "guest date agrees with the host (PL031)" \
			"guest $guest, host $host_before..$host_after"
	fi
fi

# A guest access where no device is: reads 0, logged, the VM carries on.
boot unmapped 'devmem 0x09050000 32; devmem 0x09050000 32 0x1234; echo still-alive'
if expect_rc "unmapped MMIO reads 0, is logged, VM survives" 0; then
	if out_has 0x00000000 && out_has still-alive && err_has 'hits no device'; then
		pass "unmapped MMIO reads 0, is logged, VM survives"
	else
		fail "unmapped MMIO reads 0, is logged, VM survives" \
			"missing 0x00000000, still-alive or the log line"
	fi
fi

# A load pair to device memory: KVM cannot decode it (ISV=0). vmm reports
# the address and vCPU and injects an abort; the probe dies, the guest lives.
boot nisv 'mmio-probe ldp 0x09050000; echo still-alive'
if expect_rc "ISV=0 access is reported with address and vCPU, VM survives" 0; then
	if out_has still-alive && err_has 'vcpu 0: guest access to 0x9050000 that KVM cannot decode (ISV=0'; then
		pass "ISV=0 access is reported with address and vCPU, VM survives"
	else
		fail "ISV=0 access is reported with address and vCPU, VM survives" \
			"missing still-alive or the ISV=0 report"
	fi
fi

# GICv2 where the host's GIC cannot emulate one: a clear error, exit 4.
boot gicv2 'true' --gic v2
if [ "$RC" = 0 ] && out_has VMM_GUEST_INIT_READY; then
	pass "--gic v2 boots (this host can emulate a GICv2)"
elif expect_rc "--gic v2 on a GICv3-only host: exit 4, named error" 4; then
	if err_has 'cannot create an in-kernel GICv2'; then
		pass "--gic v2 on a GICv3-only host: exit 4, named error"
	else
		fail "--gic v2 on a GICv3-only host: exit 4, named error" "no message"
	fi
fi

boot gzip 'echo gz-ok' --kernel build/guest/Image.gz
if expect_rc "Image.gz boots" 0 && out_has gz-ok; then
	pass "Image.gz boots"
elif [ "$RC" = 0 ]; then
	fail "Image.gz boots" "no output"
fi

# virtio-rng, on by default: the guest's hwrng is virtio and reads work.
boot rng 'cat /sys/class/misc/hw_random/rng_current; head -c 4096 /dev/hwrng | wc -c'
if expect_rc "virtio-rng: guest hwrng is virtio, reads succeed" 0; then
	if out_lines | grep -q '^virtio_rng' && out_lines | grep -qx 4096; then
		pass "virtio-rng: guest hwrng is virtio, reads succeed"
	else
		fail "virtio-rng: guest hwrng is virtio, reads succeed" \
			"rng_current or the read"
	fi
fi
boot rng_off 'cat /sys/class/misc/hw_random/rng_current 2>&1; true' --rng off
if expect_rc "--rng off: no virtio hwrng" 0; then
	if ! out_lines | grep -q '^virtio_rng'; then
		pass "--rng off: no virtio hwrng"
	else
		fail "--rng off: no virtio hwrng" "virtio_rng still there"
	fi
fi

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

# --- bad input: an error naming the problem, its exit code, nothing started ---

head -c 4096 /dev/zero | tr '\0' x >"$D/garbage.img"
bad wrong_magic 3 'bad magic' --kernel "$D/garbage.img"
head -c 1000000 "$KERNEL" >"$D/truncated.img"
bad truncated_kernel 3 'truncated' --kernel "$D/truncated.img"
bad missing_kernel 3 'No such file' --kernel "$D/does-not-exist"
bad missing_initrd 3 "initrd.*No such file" --kernel "$KERNEL" \
	--initrd "$D/does-not-exist"
bad ram_smaller_than_kernel 3 'larger than the 16 MiB of RAM' \
	--kernel "$KERNEL" --initrd "$INITRD" --mem 16M
# 28M holds the Image file but not its BSS plus initrd and device tree.
bad ram_too_small 3 'do not fit in 28 MiB of RAM' --kernel "$KERNEL" \
	--initrd "$INITRD" --mem 28M
bad bad_option 2 "unknown option '--bogus'" --bogus
bad bad_mem 2 "--mem 'lots'" --kernel "$KERNEL" --mem lots
bad bad_cpus 2 "--cpus '0'" --kernel "$KERNEL" --cpus 0
bad no_kernel 2 'kernel FILE is required'

vmm_run help --help
if expect_rc "--help: exit 0, options and exit codes on stdout" 0; then
	if out_has 'Usage: vmm --kernel FILE' && out_has ' --cpus N' &&
		out_has 'Exit status:' && out_has '10  guest rebooted'; then
		pass "--help: exit 0, options and exit codes on stdout"
	else
		fail "--help: exit 0, options and exit codes on stdout" "text"
	fi
fi
vmm_run version --version
expect_rc "--version: exit 0" 0 && out_has '^vmm [0-9]' &&
	pass "--version prints the version"

# --- device tree dump (checked with dtc by run.sh on the build host) -----------
vmm_run dump_dtb --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
	--dump-dtb "$D/dump.dtb"
if expect_rc "--dump-dtb writes the tree and exits 0" 0; then
	if [ -s "$D/dump.dtb" ] && ! [ -s "$D/dump_dtb.out" ]; then
		pass "--dump-dtb writes the tree and exits 0"
	else
		fail "--dump-dtb writes the tree and exits 0" "no file, or guest ran"
	fi
fi
exit 0
