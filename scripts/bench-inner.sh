#!/bin/sh
# The benchmark proper (POSIX sh; runs on the arm64 KVM host). For each
# console mode it boots the default guest RUNS times and reports the median
# (min..max) of:
#   boot_ms     VMM start -> the guest's init writes the boot timer
#   exit_ms     VMM start -> VMM exit after the guest powers off
#   mmio_exits  userspace MMIO exits (vmm --stats)
#   vcpu_exits  all KVM_RUN returns
#   uart_bytes  bytes the guest wrote through the UART
#   rss_out_kib VMM RSS outside guest RAM at exit, from /proc/self/smaps
# then disk throughput (sequential read/write, 4 KiB random read) in the
# guest beside the same measurement on the host file, and their ratio.
VMM=${VMM:-build/arm64/vmm}
RUNS=${VMM_BENCH_RUNS:-5}
D=${VMM_BENCH_DIR:-build/bench}
mkdir -p "$D"

now_ms() { # /proc/uptime has 10 ms resolution: plenty for boots of seconds
	read -r up _ </proc/uptime
	echo $(( ${up%.*} * 1000 + 1${up#*.} * 10 - 1000 ))
}

stat_of() { # stat_of KEY FILE: the value of key=value in the stats line
	sed -n "s/.*vmm: stats:.* $1=\([0-9]*\).*/\1/p" "$2" | head -n 1
}

one_boot() { # one_boot MODE: appends "boot exit mmio vcpu bytes rss" to $D/MODE
	mode=$1
	args=
	console=uart
	case $mode in
	quiet) args=quiet ;;
	hvc) console=virtio ;;
	esac
	t0=$(now_ms)
	"$VMM" --kernel build/guest/Image --initrd build/guest/initramfs.cpio.gz \
		--mem 256M --stats --console $console \
		--cmdline "$args run=\"true\"" </dev/null >/dev/null 2>"$D/err"
	t1=$(now_ms)
	echo "$(stat_of boot_ms "$D/err") $((t1 - t0)) $(stat_of mmio_exits "$D/err")" \
		"$(stat_of vcpu_exits "$D/err") $(stat_of console_tx_bytes "$D/err")" \
		"$(stat_of rss_outside_guest_kib "$D/err")" >>"$D/$mode"
}

median() { # median COLUMN FILE -> "median (min..max)"
	cut -d' ' -f"$1" "$2" | sort -n | awk '
		{ v[NR] = $1 }
		END { printf "%s (%s..%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "vmm benchmark: $RUNS boots per mode, 256 MiB, 1 vCPU, default guest"
for mode in quiet full hvc; do
	: >"$D/$mode"
	i=0
	while [ $i -lt "$RUNS" ]; do
		one_boot $mode
		i=$((i + 1))
	done
done
printf '%-12s %-24s %-24s %-24s\n' figure "uart, quiet" "uart, full log" \
	"virtio console"
for col in 1:boot_ms 2:exit_ms 3:mmio_exits 4:vcpu_exits 5:uart_bytes 6:rss_out_kib; do
	printf '%-12s %-24s %-24s %-24s\n' "${col#*:}" \
		"$(median "${col%%:*}" "$D/quiet")" \
		"$(median "${col%%:*}" "$D/full")" "$(median "${col%%:*}" "$D/hvc")"
done
echo "(virtio console: the guest's log before virtio_console loads is not"
echo " shown, so it is not a like-for-like full-log figure; see README)"

# --- disk throughput: the same tool, inside the guest and on the host -------
# blkbench (guest-images/tools/) on /dev/vda in the guest, and on the image
# file itself on the host, in the same run. The image lives on the host's
# tmpfs in the emulated host (9p would measure 9p), so the host side is
# memory speed there and the ratio shows the whole virtio + io_uring path.
DISK_MIB=${VMM_BENCH_DISK_MIB:-64}
RAND_MIB=${VMM_BENCH_RAND_MIB:-16}
BB=build/guest/tools/blkbench
if [ -x "$BB" ]; then
	img=/tmp/vmm-bench-disk.img
	dd if=/dev/zero of="$img" bs=1M count="$DISK_MIB" 2>/dev/null
	"$VMM" --kernel build/guest/Image --initrd build/guest/initramfs.cpio.gz \
		--mem 256M --disk "$img" --cmdline "quiet run=\"blkbench /dev/vda seqread $DISK_MIB; blkbench /dev/vda seqwrite $DISK_MIB; blkbench /dev/vda randread $RAND_MIB\"" \
		</dev/null 2>/dev/null | tr -d '\r' >"$D/disk-guest"
	{
		"$BB" "$img" seqread "$DISK_MIB"
		"$BB" "$img" seqwrite "$DISK_MIB"
		"$BB" "$img" randread "$RAND_MIB"
	} >"$D/disk-host"
	rm -f "$img"
	echo
	printf '%-10s %-22s %-22s %s\n' disk guest host guest/host
	for mode in seqread seqwrite randread; do
		g=$(grep "^$mode " "$D/disk-guest")
		h=$(grep "^$mode " "$D/disk-host")
		unit="MiB/s"
		col=2
		[ $mode = randread ] && { unit=IOPS; col=4; }
		gv=$(echo "$g" | cut -d' ' -f$col)
		hv=$(echo "$h" | cut -d' ' -f$col)
		ratio=$(awk -v a="${gv:-0}" -v b="${hv:-0}" \
			'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
		printf '%-10s %-22s %-22s %s\n' "$mode" "${gv:-failed} $unit" \
			"${hv:-failed} $unit" "$ratio"
	done
	kinds() { grep -E '^(seq|rand)' "$1" | cut -d' ' -f6 | sort -u | tr '\n' ' '; }
	echo "(guest: $(kinds "$D/disk-guest")I/O; host: $(kinds "$D/disk-host")I/O)"
else
	echo "disk: skipped ($BB missing: run guest-images/build.sh)"
fi
