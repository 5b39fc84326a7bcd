# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
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
