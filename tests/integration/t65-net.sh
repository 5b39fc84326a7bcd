# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- virtio-net ------------------------------------------------------------------
# A persistent tap with an address on the host; the guest configures eth0,
# pings the host and moves a file each way with nc, checksums compared.
N=/tmp/itest-net
rm -rf "$N"
mkdir -p "$N"
HOST_IP=10.77.0.1
GUEST_IP=10.77.0.2
NET_LIMIT=${VMM_ITEST_NET_LIMIT:-120}

# net_listen: nc servers for the upload (port 5000) and download (5001).
# The upload server's stdin is a fifo held open here, so it never sees an
# EOF of its own and ends when the guest closes its side.
net_listen() {
	rm -f "$N/up.rx" "$N/down.fifo"
	mkfifo "$N/down.fifo"
	exec 7<>"$N/down.fifo"
	timeout -s KILL "$NET_LIMIT" nc -l -p 5000 <"$N/down.fifo" >"$N/up.rx" &
	up_pid=$!
	timeout -s KILL "$NET_LIMIT" nc -l -p 5001 <"$N/down.bin" >/dev/null &
	down_pid=$!
}
net_unlisten() {
	kill "$up_pid" "$down_pid" 2>/dev/null
	wait "$up_pid" "$down_pid" 2>/dev/null
	exec 7>&-
}

GUEST_NET="ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && echo MAC=\$(cat /sys/class/net/eth0/address) && ping -c 3 $HOST_IP && echo PING-OK && nc $HOST_IP 5000 </tmp/up.bin && echo UP-SENT && nc $HOST_IP 5001 >/tmp/down.bin && echo DOWN-SUM=\$(sha256sum </tmp/down.bin)"
# The upload: made in the guest, its checksum printed before it is sent.
GUEST_UP="dd if=/dev/urandom of=/tmp/up.bin bs=64k count=48 2>/dev/null && echo UP-SUM=\$(sha256sum </tmp/up.bin)"

if ! command -v tunctl >/dev/null || [ ! -c /dev/net/tun ]; then
	say "skip - virtio-net tests (no tunctl or /dev/net/tun on the host)"
elif ! tunctl -t vmmtap0 >/dev/null || ! ip addr add $HOST_IP/24 dev vmmtap0 ||
	! ip link set vmmtap0 up; then
	say "skip - virtio-net tests (cannot set up tap vmmtap0 on the host)"
else
	dd if=/dev/urandom of="$N/down.bin" bs=64k count=48 2>/dev/null
	down_sum=$(sha256sum <"$N/down.bin" | cut -d' ' -f1)
	for vhost in off on; do
		name="net vhost=$vhost: guest pings the host, 3 MiB each way, checksums match"
		net_listen
		boot "net_$vhost" "$GUEST_UP && $GUEST_NET" --stats \
			--log-level info --seccomp log \
			--net "tap=vmmtap0,mac=52:54:00:12:34:56,vhost=$vhost"
		net_unlisten
		up_sum=$(out_lines | sed -n 's/^UP-SUM=\([0-9a-f]*\).*/\1/p')
		got_up=$(sha256sum <"$N/up.rx" 2>/dev/null | cut -d' ' -f1)
		if ! expect_rc "$name" 0; then
			:
		elif ! out_has 'MAC=52:54:00:12:34:56'; then
			fail "$name" "the guest's eth0 lacks the MAC given"
		elif ! out_has PING-OK; then
			fail "$name" "ping failed"
		elif [ -z "$up_sum" ] || [ "$up_sum" != "$got_up" ]; then
			fail "$name" "upload checksum: guest '$up_sum', host '$got_up'"
		elif ! out_has "DOWN-SUM=$down_sum"; then
			fail "$name" "download checksum differs from $down_sum"
		elif [ $vhost = off ] &&
			! err_has 'stats: net=eth0 tap=vmmtap0 rx_packets=[1-9]'; then
			fail "$name" "--stats lacks the NIC's counters"
		elif [ $vhost = on ] && ! err_has 'eth0: vhost-net moves the packets'; then
			fail "$name" "vhost-net was not used"
		elif [ $vhost = on ] &&
			! err_has 'stats: net=eth0 tap=vmmtap0 vhost=on vhost_calls=[1-9]'; then
			fail "$name" "--stats lacks vhost's counters"
		else
			pass "$name"
		fi
	done

	# vhost=on without /dev/vhost-net: the userspace path, with a warning.
	if [ -c /dev/vhost-net ] && mv /dev/vhost-net /dev/vhost-net.itest; then
		boot net_vhost_fallback "ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && ping -c 2 $HOST_IP && echo PING-OK" \
			--net tap=vmmtap0,vhost=on
		mv /dev/vhost-net.itest /dev/vhost-net
		if expect_rc "net vhost=on without /dev/vhost-net: userspace path, says so" 0; then
			if out_has PING-OK && err_has 'eth0: vhost-net unavailable (/dev/vhost-net: No such file.*); using the userspace path'; then
				pass "net vhost=on without /dev/vhost-net: userspace path, says so"
			else
				fail "net vhost=on without /dev/vhost-net: userspace path, says so" \
					"no ping or no warning"
			fi
		fi
	else
		say "skip - net vhost fallback (no /dev/vhost-net to hide)"
	fi

	# Jailed: the tap and /dev/vhost-net are opened before vmm chroots
	# into an empty directory and drops to nobody; the NIC still works.
	mkdir -p "$N/jail"
	boot net_jail "ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && ping -c 2 $HOST_IP && echo PING-OK" \
		--net tap=vmmtap0,vhost=on --user 65534:65534 --chroot "$N/jail"
	if expect_rc "net: vhost=on under --user/--chroot: guest pings the host" 0; then
		if out_has PING-OK; then
			pass "net: vhost=on under --user/--chroot: guest pings the host"
		else
			fail "net: vhost=on under --user/--chroot: guest pings the host" "ping failed"
		fi
	fi

	# No receive buffers (the guest never brings eth0 up), packets keep
	# coming (the host pings the guest's address: ARP broadcasts): vmm
	# holds one packet and stops reading the tap -- it must stay idle,
	# not poll. CPU ticks of the whole process over 4 s, from /proc.
	T=net_idle
	"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --stats \
		--net tap=vmmtap0 --cmdline 'quiet run="sleep 600"' \
		</dev/null >"$D/$T.out" 2>"$D/$T.err" &
	pid=$!
	wait_out VMM_GUEST_INIT_READY
	sleep 1
	ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'; }
	t0=$(ticks)
	ping -c 16 -i 0.25 -w 4 $GUEST_IP >/dev/null 2>&1
	t1=$(ticks)
	kill -TERM $pid
	wait $pid
	RC=$?
	hz=100
	if expect_rc "net: no receive buffers: vmm idles, does not poll" 143; then
		if [ -n "$t0" ] && [ -n "$t1" ] && [ $((t1 - t0)) -lt $((hz * 3 / 2)) ] &&
			err_has 'stats: net=eth0 tap=vmmtap0 rx_packets=0 '; then
			pass "net: no receive buffers: vmm idles, does not poll ($((t1 - t0)) ticks in 4 s)"
		else
			fail "net: no receive buffers: vmm idles, does not poll" \
				"$((t1 - t0)) CPU ticks in 4 s of packets, or packets delivered"
		fi
	fi

	# A hostile guest against the NIC's registers (slot 0: no disks):
	# random accesses (resets, DRIVER_OK with garbage rings, trapped
	# notifies) on both paths, the ASan+UBSan build when there is one,
	# default seccomp filters (vhost's ioctls run on the vCPU thread).
	if [ -x build/arm64-san/vmm ]; then
		stress_vmm=build/arm64-san/vmm
		stress_what="ASan+UBSan build"
	else
		stress_vmm=$VMM
		stress_what="plain build"
	fi
	for vhost in off on; do
		T=net_stress_$vhost
		name="hostile guest vs virtio-net registers, vhost=$vhost: vmm survives ($stress_what)"
		ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			timeout -s KILL "$LIMIT" "$stress_vmm" --kernel "$KERNEL" \
			--initrd "$INITRD" --mem 256M --console virtio --stats \
			--net tap=vmmtap0,vhost=$vhost \
			--cmdline 'quiet iomem=relaxed run="mmio-stress 5000 11 0xa000000:0x200:virtio; echo console-still-answers"' \
			</dev/null >"$D/$T.out" 2>"$D/$T.err"
		RC=$?
		if expect_rc "$name" 0; then
			if out_has 'mmio-stress: 5000 accesses' &&
				out_has console-still-answers &&
				! err_has 'AddressSanitizer' && ! err_has 'runtime error'; then
				pass "$name"
			else
				fail "$name" "no summary, console dead, or a sanitizer report"
			fi
		fi
	done

	# A tap that does not exist is created (vmm is root here) and goes
	# with it; without mac= the MAC is a stable locally administered one.
	boot net_create "echo MAC=\$(cat /sys/class/net/eth0/address)" \
		--net tap=vmmnew0 --net tap=vmmnew1
	mac0=$(out_lines | sed -n 's/^MAC=//p')
	boot net_create2 "echo MAC=\$(cat /sys/class/net/eth0/address)" \
		--net tap=vmmnew0 --net tap=vmmnew1
	mac1=$(out_lines | sed -n 's/^MAC=//p')
	if expect_rc "net: a missing tap is created; generated MAC stable" 0; then
		case $mac0 in
		52:54:*)
			if [ "$mac0" = "$mac1" ] && ! ip link show vmmnew0 >/dev/null 2>&1; then
				pass "net: a missing tap is created and removed; generated MAC $mac0 stable"
			else
				fail "net: a missing tap is created; generated MAC stable" \
					"MAC '$mac0' then '$mac1', or vmmnew0 left behind"
			fi
			;;
		*) fail "net: a missing tap is created; generated MAC stable" \
			"guest MAC '$mac0'" ;;
		esac
	fi
	ip link set vmmtap0 down
	tunctl -d vmmtap0 >/dev/null
fi

# Bad NICs: a clear error before boot.
bad net_bad_mac 2 "mac '52:54:00:12:34' is not a unicast MAC" \
	--kernel "$KERNEL" --net tap=vmmbad0,mac=52:54:00:12:34
bad net_multicast_mac 2 "mac '01:00:5e:00:00:01' is not a unicast MAC" \
	--kernel "$KERNEL" --net tap=vmmbad0,mac=01:00:5e:00:00:01
bad net_no_tap 2 'needs tap=NAME' --kernel "$KERNEL" \
	--net mac=52:54:00:12:34:56
bad net_long_name 2 'tap name must be 1 to 15' --kernel "$KERNEL" \
	--net tap=a-name-far-too-long
bad net_not_tap 5 "'lo' exists and is not a tap device" --kernel "$KERNEL" \
	--net tap=lo
# Not allowed to create: an unprivileged user (with /dev/net/tun usable,
# as distributions ship it). The emulated host has only root: add one.
grep -q '^vmmnet:' /etc/passwd 2>/dev/null ||
	echo 'vmmnet:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd 2>/dev/null
if command -v su >/dev/null && grep -q '^vmmnet:' /etc/passwd 2>/dev/null; then
	chmod 0666 /dev/net/tun
	cp "$KERNEL" "$N/Image"
	chmod 0644 "$N/Image"
	T=net_no_cap
	su -s /bin/sh vmmnet -c "$VMM --kernel $N/Image --net tap=vmmnope0" \
		</dev/null >"$D/$T.out" 2>"$D/$T.err"
	RC=$?
	chmod 0600 /dev/net/tun
	if expect_rc "net: missing tap, no CAP_NET_ADMIN: exit 5" 5; then
		if err_has "tap 'vmmnope0' does not exist and vmm may not create it"; then
			pass "net: missing tap, no CAP_NET_ADMIN: exit 5, says why"
		else
			fail "net: missing tap, no CAP_NET_ADMIN: exit 5, says why" "message"
		fi
	fi
else
	say "skip - net: missing tap without CAP_NET_ADMIN (no su or no user)"
fi
