#!/bin/sh
# The benchmark proper (POSIX sh; runs on the arm64 KVM host). For each
# console mode it boots the default guest RUNS times and reports the median
# (min..max) of:
#   init_ms     VMM start -> the guest init's VMM_GUEST_INIT_READY line
#   exit_ms     VMM start -> VMM exit after the guest powers off
#   mmio_exits  userspace MMIO exits (vmm --stats)
#   vcpu_exits  all KVM_RUN returns
#   console_b   bytes the guest wrote to the console
#   rss_out_kib VMM RSS outside guest RAM at exit, from /proc/self/smaps
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

one_boot() { # one_boot MODE N: appends "init exit mmio vcpu bytes rss" to $D/MODE
	mode=$1
	args=
	[ "$mode" = quiet ] && args=quiet
	t0=$(now_ms)
	"$VMM" --kernel build/guest/Image --initrd build/guest/initramfs.cpio.gz \
		--mem 256M --stats --cmdline "$args run=\"true\"" 2>"$D/err" |
		while IFS= read -r line; do
			case $line in
			*VMM_GUEST_INIT_READY*) now_ms >"$D/init_at" ;;
			esac
		done
	t1=$(now_ms)
	ti=$(cat "$D/init_at" 2>/dev/null || echo "$t1")
	rm -f "$D/init_at"
	echo "$((ti - t0)) $((t1 - t0)) $(stat_of mmio_exits "$D/err")" \
		"$(stat_of vcpu_exits "$D/err") $(stat_of console_tx_bytes "$D/err")" \
		"$(stat_of rss_outside_guest_kib "$D/err")" >>"$D/$mode"
}

median() { # median COLUMN FILE -> "median (min..max)"
	cut -d' ' -f"$1" "$2" | sort -n | awk '
		{ v[NR] = $1 }
		END { printf "%s (%s..%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "vmm benchmark: $RUNS boots per mode, 256 MiB, 1 vCPU, default guest"
for mode in quiet full; do
	: >"$D/$mode"
	i=0
	while [ $i -lt "$RUNS" ]; do
		one_boot $mode
		i=$((i + 1))
	done
done
printf '%-12s %-26s %-26s\n' figure "quiet boot" "full console log"
for col in 1:init_ms 2:exit_ms 3:mmio_exits 4:vcpu_exits 5:console_b 6:rss_out_kib; do
	printf '%-12s %-26s %-26s\n' "${col#*:}" "$(median "${col%%:*}" "$D/quiet")" \
		"$(median "${col%%:*}" "$D/full")"
done
