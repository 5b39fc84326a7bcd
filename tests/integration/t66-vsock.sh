# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- vsock ---------------------------------------------------------------------
# virtio-vsock backed by the host's vhost-vsock: host <-> guest echo with
# guest-images/tools/vsock-echo on both sides (the host is arm64 too).
VE=build/guest/tools/vsock-echo
VS=/tmp/itest-vsock
rm -rf "$VS"
mkdir -p "$VS"
VSIZE=4194304 # 4 MiB each way

# Bad values never reach the host: exit 2, named.
bad vsock_cid_reserved 2 "--vsock 'cid=2'.*0-2 are reserved" \
	--kernel "$KERNEL" --vsock cid=2
bad vsock_cid_any 2 "--vsock 'cid=4294967295'" \
	--kernel "$KERNEL" --vsock cid=4294967295
bad vsock_malformed 2 "--vsock 'port=5'.*must be cid=N" \
	--kernel "$KERNEL" --vsock port=5

# vsock_bg NAME CID 'guest command' [vmm args]: boot in the background;
# the vmm's pid in $VPID.
vsock_bg() {
	T=$1 _cid=$2 _cmd=$3
	shift 3
	timeout -s KILL "$LIMIT" "$VMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--mem 256M --stats --vsock "cid=$_cid" \
		--cmdline "quiet run=\"$_cmd\"" "$@" </dev/null >"$D/$T.out" \
		2>"$D/$T.err" &
	VPID=$!
}

if [ ! -c /dev/vhost-vsock ]; then
	say "skip - vsock echo and CID clash (no /dev/vhost-vsock on this host)"
elif [ ! -x "$VE" ]; then
	say "skip - vsock echo and CID clash ($VE missing: make guest)"
else
	head -c $VSIZE /dev/urandom >"$VS/data"
	want=$(sha256sum <"$VS/data" | cut -d' ' -f1)

	# Host -> guest: the guest listens, the host sends and reads back.
	name="vsock: host->guest echo of 4 MiB, checksum matches"
	vsock_bg vsock_h2g 42 'vsock-echo listen 5000'
	wait_out 'listening on port 5000'
	timeout -s KILL 300 "$VE" send 42 5000 10 <"$VS/data" \
		>"$VS/h2g.out" 2>"$VS/h2g.err"
	src=$?
	wait $VPID
	RC=$?
	got=$(sha256sum <"$VS/h2g.out" | cut -d' ' -f1)
	if expect_rc "$name" 0; then
		if [ $src = 0 ] && [ "$got" = "$want" ] &&
			out_has "echoed $VSIZE bytes to 2:" &&
			err_has 'vmm: stats: vsock cid=42 starts=1 calls=[1-9]'; then
			pass "$name"
		else
			fail "$name" "sender exit $src ($(cat "$VS/h2g.err")), sha256 $got, want $want, or no echo/stats line"
		fi
	fi

	# Guest -> host: the host listens, the guest sends to CID 2.
	name="vsock: guest->host echo of 4 MiB, checksum matches"
	"$VE" listen 5001 1 2>"$VS/listen.err" &
	lpid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -qs listening "$VS/listen.err"; do
		usleep 100000
		i=$((i + 1))
	done
	boot vsock_g2h "head -c $VSIZE /dev/urandom >/tmp/d; sha256sum </tmp/d; vsock-echo send 2 5001 10 </tmp/d >/tmp/r; echo send-status=\$?; sha256sum </tmp/r" \
		--vsock cid=43
	kill $lpid 2>/dev/null
	wait $lpid
	sums=$(out_lines | grep -E '^[0-9a-f]{64}  -$' | sort -u | wc -l)
	nsums=$(out_lines | grep -cE '^[0-9a-f]{64}  -$')
	if expect_rc "$name" 0; then
		if [ "$nsums" = 2 ] && [ "$sums" = 1 ] &&
			out_lines | grep -qx send-status=0 &&
			grep -q "echoed $VSIZE bytes to 43:" "$VS/listen.err"; then
			pass "$name"
		else
			fail "$name" "guest checksums differ ($nsums lines) or host listener: $(cat "$VS/listen.err")"
		fi
	fi

	# The driver unloaded and loaded again: vhost stopped on the reset and
	# restarted, on the vCPU thread, under --seccomp log (a refused call
	# would be named, exit 12).
	name="vsock: driver reload (reset, restart) under seccomp, echo works"
	mod=/lib/modules/*/kernel/net/vmw_vsock/vmw_vsock_virtio_transport.ko
	vsock_bg vsock_reload 46 "rmmod vmw_vsock_virtio_transport && insmod $mod && vsock-echo listen 5003" \
		--seccomp log
	wait_out 'listening on port 5003'
	echo after-reload | timeout -s KILL 60 "$VE" send 46 5003 10 \
		>"$VS/reload.out" 2>"$VS/reload.err"
	src=$?
	wait $VPID
	RC=$?
	if expect_rc "$name" 0; then
		if [ $src = 0 ] && grep -qx after-reload "$VS/reload.out" &&
			err_has 'vsock cid=46 starts=2 '; then
			pass "$name"
		else
			fail "$name" "echo after reload: $(cat "$VS/reload.err"), or not 2 starts"
		fi
	fi

	# A hostile guest on the vsock device's registers (slot 1 after hvc0
	# with --rng off): random registers, widths, values, status orders and
	# garbage rings that vhost walks. vmm (the ASan + UBSan build when
	# there is one) survives and keeps serving the console.
	name="vsock: hostile guest on its registers, vmm survives"
	stress_vmm=$VMM
	[ -x build/arm64-san/vmm ] && stress_vmm=build/arm64-san/vmm
	T=vsock_stress
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout -s KILL "$LIMIT" "$stress_vmm" --kernel "$KERNEL" \
		--initrd "$INITRD" --mem 256M --console virtio --rng off \
		--vsock cid=48 --stats \
		--cmdline 'quiet iomem=relaxed run="mmio-stress 20000 11 0xa000200:0x200:virtio; echo console-still-answers"' \
		</dev/null >"$D/$T.out" 2>"$D/$T.err"
	RC=$?
	if expect_rc "$name" 0; then
		if out_has 'mmio-stress: 20000 accesses' &&
			out_has console-still-answers &&
			err_has 'vmm: stats: vsock cid=48' &&
			! err_has 'AddressSanitizer' && ! err_has 'runtime error'; then
			pass "$name ($stress_vmm)"
		else
			fail "$name" "no summary, console dead or a sanitizer report"
		fi
	fi

	# A CID clash: the second vmm stops before boot, the first is unharmed.
	name="vsock: CID in use: second vmm exits 5 named, first unaffected"
	vsock_bg vsock_first 44 'vsock-echo listen 5002'
	first=$VPID
	wait_out 'listening on port 5002'
	bad vsock_clash 5 'vsock CID 44 is already in use' \
		--kernel "$KERNEL" --initrd "$INITRD" --vsock cid=44
	T=vsock_first
	echo still-there | timeout -s KILL 60 "$VE" send 44 5002 10 \
		>"$VS/first.out" 2>"$VS/first.err"
	src=$?
	wait $first
	RC=$?
	if expect_rc "$name" 0; then
		if [ $src = 0 ] && grep -qx still-there "$VS/first.out"; then
			pass "$name"
		else
			fail "$name" "echo through the first vmm failed: $(cat "$VS/first.err")"
		fi
	fi
fi

# /dev/vhost-vsock missing: hidden in a private mount namespace (a tmpfs
# on /dev holding only kvm and null), so the rest of the host keeps it.
if ! command -v unshare >/dev/null || [ ! -c /dev/kvm ]; then
	say "skip - vsock: /dev/vhost-vsock missing (no unshare)"
else
	kvm_dev=$(stat -c '%t %T' /dev/kvm)
	cat >"$VS/hide-vhost.sh" <<EOF
mount -t tmpfs none /dev || exit 99
mknod /dev/kvm c \$((0x${kvm_dev% *})) \$((0x${kvm_dev#* }))
mknod /dev/null c 1 3
exec "\$@"
EOF
	name="vsock: /dev/vhost-vsock missing: exit 5 before boot, named"
	T=vsock_nodev
	timeout -s KILL 120 unshare -m sh "$VS/hide-vhost.sh" "$VMM" \
		--kernel "$KERNEL" --initrd "$INITRD" --vsock cid=45 \
		</dev/null >"$D/$T.out" 2>"$D/$T.err"
	RC=$?
	if expect_rc "$name" 5; then
		if err_has '/dev/vhost-vsock: No such file' &&
			err_has 'vhost_vsock kernel module' &&
			[ "$(wc -l <"$D/$T.err")" -le 2 ] && ! [ -s "$D/$T.out" ]; then
			pass "$name"
		else
			fail "$name" "message or guest output"
		fi
	fi
	[ -c /dev/vhost-vsock ] || [ ! -e /sys/module/vhost_vsock ] ||
		fail "vsock: /dev/vhost-vsock hidden only in the namespace" "gone"
fi
