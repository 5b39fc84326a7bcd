#!/bin/sh
# The network benchmark proper (POSIX sh; runs on the arm64 KVM host).
# A tap with an address on the host; for vhost=off and vhost=on it boots
# the default guest RUNS times, and in each boot the guest sends MIB MiB
# of zeros to an nc on the host, then receives as much from one. The guest
# times each transfer (/proc/uptime, 10 ms). Reported: the median
# (min..max) of MB/s each way, and vCPU exits and interrupts per MiB
# moved (vmm --stats).
VMM=${VMM:-build/arm64/vmm}
RUNS=${VMM_BENCH_RUNS:-3}
MIB=${VMM_BENCH_NET_MIB:-16}
D=${VMM_BENCH_DIR:-build/bench-net}
TAP=vmmbench0
HOST_IP=10.78.0.1
mkdir -p "$D"

stat_of() { # stat_of KEY FILE: the first key=value in a stats line
	sed -n "s/.*vmm: stats:.* $1=\([0-9]*\).*/\1/p" "$2" | head -n 1
}

net_stat() { # net_stat KEY FILE: from the NIC's stats line
	sed -n "s/.*vmm: stats: net=.* $1=\([0-9]*\).*/\1/p" "$2" | head -n 1
}

if ! tunctl -t $TAP >/dev/null || ! ip addr add $HOST_IP/24 dev $TAP ||
	! ip link set $TAP up; then
	echo "bench-net: cannot set up tap $TAP on the host" >&2
	exit 1
fi

GUEST="ip addr add 10.78.0.2/24 dev eth0 && ip link set eth0 up &&
ping -c 1 -W 30 $HOST_IP >/dev/null &&
t0=\$(cut -d' ' -f1 /proc/uptime) &&
dd if=/dev/zero bs=64k count=$((MIB * 16)) 2>/dev/null | nc $HOST_IP 5000 &&
t1=\$(cut -d' ' -f1 /proc/uptime) &&
nc $HOST_IP 5001 >/dev/null &&
t2=\$(cut -d' ' -f1 /proc/uptime) &&
echo BENCH-NET \$t0 \$t1 \$t2"

one_boot() { # one_boot VHOST: appends "up_MBps down_MBps exits/MiB irqs/MiB"
	vhost=$1
	# The receiver's stdin: a fifo held open here (on the host's tmpfs:
	# the shared repository cannot hold one), so it never sees an EOF of
	# its own and ends when the guest closes its side.
	rm -f /tmp/bench-net.fifo
	mkfifo /tmp/bench-net.fifo
	exec 7<>/tmp/bench-net.fifo
	timeout -s KILL 600 nc -l -p 5000 </tmp/bench-net.fifo >/dev/null &
	up=$!
	dd if=/dev/zero bs=64k count=$((MIB * 16)) 2>/dev/null |
		timeout -s KILL 600 nc -l -p 5001 >/dev/null &
	down=$!
	timeout -s KILL 900 "$VMM" --kernel build/guest/Image \
		--initrd build/guest/initramfs.cpio.gz --mem 256M --stats \
		--net tap=$TAP,vhost="$vhost" \
		--cmdline "quiet run=\"$GUEST\"" </dev/null >"$D/out" 2>"$D/err"
	kill $up $down 2>/dev/null
	wait $up $down 2>/dev/null
	exec 7>&-
	set -- $(tr -d '\r' <"$D/out" | sed -n 's/^BENCH-NET //p')
	if [ $# -ne 3 ]; then
		echo "bench-net: vhost=$vhost: a run failed:" >&2
		tail -n 5 "$D/out" "$D/err" >&2
		return
	fi
	exits=$(stat_of vcpu_exits "$D/err")
	irqs=$(net_stat interrupts "$D/err")
	awk -v t0="$1" -v t1="$2" -v t2="$3" -v mib="$MIB" -v e="$exits" \
		-v i="$irqs" 'BEGIN {
		up = t1 > t0 ? mib * 1.048576 / (t1 - t0) : 0
		down = t2 > t1 ? mib * 1.048576 / (t2 - t1) : 0
		printf "%.2f %.2f %d %d\n", up, down, e / (2 * mib), i / (2 * mib)
	}' >>"$D/vhost-$vhost"
}

median() { # median COLUMN FILE -> "median (min..max)"
	cut -d' ' -f"$1" "$2" | sort -n | awk '
		{ v[NR] = $1 }
		END { if (NR) printf "%s (%s..%s)", v[int((NR + 1) / 2)], v[1], v[NR]
		      else printf "n/a" }'
}

echo "vmm network benchmark: $RUNS boots per path, $MIB MiB each way, TCP" \
	"over a tap (nc), 256 MiB, 1 vCPU, default guest"
[ -c /dev/vhost-net ] || echo "bench-net: no /dev/vhost-net: vhost=on" \
	"falls back to the userspace path"
for vhost in off on; do
	: >"$D/vhost-$vhost"
	i=0
	while [ $i -lt "$RUNS" ]; do
		one_boot $vhost
		i=$((i + 1))
	done
done
printf '%-20s %-26s %-26s\n' figure "vhost=off (userspace)" "vhost=on"
for f in "1 guest->host MB/s" "2 host->guest MB/s" "3 vcpu_exits/MiB" \
	"4 interrupts/MiB"; do
	col=${f%% *}
	printf '%-20s %-26s %-26s\n' "${f#* }" "$(median "$col" "$D/vhost-off")" \
		"$(median "$col" "$D/vhost-on")"
done
ip link set $TAP down
tunctl -d $TAP >/dev/null
