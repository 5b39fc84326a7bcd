#!/bin/sh
# The benchmark proper (POSIX sh; runs on the arm64 KVM host; scripts/bench.sh
# starts it). Every case runs RUNS times, the cases taking turns round by
# round, so a slow spell of the host hits them all alike and each ratio is
# one run's. Per case the median (min..max) of:
#   exit_ms     VMM start -> VMM exit. The poweroff case (a guest that
#               powers off at its first instruction) is timed by
#               build/arm64/timeit to the microsecond, with nothing else
#               running: no console watcher, no --stats, no sampling, on a
#               settled host, after a warm-up run (exit_run); the noop
#               case (timeit timing a static program that exits at once)
#               is the floor any process pays on this host. The -held
#               power-off cases run while an empty VM exists (hold_vm).
#   init_ms     VMM start -> the guest init's VMM_GUEST_INIT_READY line on the
#               console, timed here from outside: the same for vmm and QEMU
#   boot_ms     vmm only: VMM start -> the guest wrote the boot timer
#   mmio_exits  userspace MMIO exits (vmm --stats; QEMU: KVM's debugfs
#               mmio_exit_user for its VM, sampled every 0.2 s while it runs)
#   rss_out_kib RSS outside guest RAM (vmm --stats; QEMU: /proc/PID/smaps,
#               every mapping but the guest RAM one, sampled while it runs)
# then N VMs started in parallel until all have booted (VMs per second),
# then stopped, and disk throughput (blkbench in the guest, and on the
# host file). Writes $D/results.md and $D/chart.dat (bench.sh draws the PNG).
VMM=${VMM:-build/arm64/vmm}
TIMEIT=${VMM_BENCH_TIMEIT:-build/arm64/timeit}
RUNS=${VMM_BENCH_RUNS:-5}
# Rounds that also run the secondary cases (virtio console, memory
# backends, N VMs in parallel): they take as long as the main ones.
EXTRA=${VMM_BENCH_EXTRA_RUNS:-$RUNS}
D=${VMM_BENCH_DIR:-build/bench}
QROOT=${VMM_BENCH_QEMU:-build/qemu-arm64}
PAR=${VMM_BENCH_PARALLEL:-4}
# Timed runs a round of each start -> exit case (after one warm-up).
EXIT_REPS=${VMM_BENCH_EXIT_REPS:-3}
K=build/guest/Image
I=build/guest/initramfs.cpio.gz
PO=$D/poweroff.Image
mkdir -p "$D"
rm -f "$D"/*.rec

now_ms() { # /proc/uptime: 10 ms resolution
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 1${up#*.} * 10 - 1000))
}
stat_of() { # stat_of KEY FILE: the value of key=value in a vmm stats line
	sed -n "s/.*vmm: stats:.* $1=\([0-9]*\).*/\1/p" "$2" | head -n 1
}
rec() { # rec CASE key=value ...: one run's figures
	_c=$1
	shift
	echo " $*" >>"$D/$_c.rec"
}
# watch_init T0 FILE: read the console; when init says it is ready, write
# the milliseconds since T0 to FILE.
watch_init() {
	while IFS= read -r _l; do
		case $_l in
		*VMM_GUEST_INIT_READY*)
			[ -s "$2" ] || echo $(($(now_ms) - $1)) >"$2"
			;;
		esac
	done
}

# Both VMMs, and the guest's kernel and initramfs, are used from copies
# on the host's /tmp (tmpfs): the emulated host sees the repository over
# 9p without a page cache, so every start would re-read them over virtio
# (for vmm, 45 of its 120 ms to a guest that powers off at once) -- a cost
# a real host's page cache does not have, and not the VMM's.
BIN=/tmp/vmm-bench-bin
rm -rf "$BIN"
mkdir -p "$BIN"
HOLD=
trap 'unhold; rm -rf "$BIN"' EXIT
cp "$VMM" "$TIMEIT" "$K" "$I" "$PO" "$BIN/"
VMM=$BIN/vmm
TIMEIT=$BIN/timeit
EV=$BIN/events
K=$BIN/${K##*/}
I=$BIN/${I##*/}
PO=$BIN/${PO##*/}
if [ -d "$QROOT" ]; then
	cp -a "$QROOT" "$BIN/qemu"
	QROOT=$BIN/qemu
fi

# --- QEMU (Debian's qemu-system-aarch64, scripts/fetch-qemu.sh) --------------
QEMU=
if [ -x "$QROOT/usr/bin/qemu-system-aarch64" ]; then
	for ld in "$QROOT"/lib/ld-linux-aarch64.so.1 \
		"$QROOT"/usr/lib/ld-linux-aarch64.so.1 \
		"$QROOT"/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 \
		"$QROOT"/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1; do
		[ -e "$ld" ] && break
	done
	QLIB=$QROOT/lib/aarch64-linux-gnu:$QROOT/usr/lib/aarch64-linux-gnu
	QLIB=$QLIB:$QROOT/usr/lib/aarch64-linux-gnu/pulseaudio
	QEMU="$ld --library-path $QLIB $QROOT/usr/bin/qemu-system-aarch64"
	if ! $QEMU -version >"$D/qemu-version" 2>&1; then
		echo "bench: QEMU does not start: $(tail -n 1 "$D/qemu-version")"
		QEMU=
	fi
fi
qemu_name() { if [ -n "$QEMU" ]; then head -n 1 "$D/qemu-version"; else echo "not run"; fi; }
grep -qs debugfs /proc/mounts ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null

# qemu_run CASE KERNEL CMDLINE: like vmm_run, for QEMU on the same guest.
qemu_run() {
	: >"$D/mark"
	: >"$D/qexits"
	: >"$D/qrss"
	t0=$(now_ms)
	# shellcheck disable=SC2086
	{
		$QEMU -M virt -accel kvm -cpu host -m 256M -smp 1 -nodefaults \
			-display none -monitor none -serial stdio -no-reboot \
			-kernel "$2" -initrd "$I" -append "$3" </dev/null \
			2>"$D/qerr" &
		q=$!
		# Sample KVM's count for its VM, and its RSS outside the 256M.
		while kill -0 $q 2>/dev/null; do
			cat /sys/kernel/debug/kvm/$q-*/mmio_exit_user \
				>"$D/qexits.new" 2>/dev/null &&
				[ -s "$D/qexits.new" ] &&
				mv "$D/qexits.new" "$D/qexits"
			awk '/^Size:/ { s = $2 } /^Rss:/ { if (s != 262144) r += $2 }
				END { if (r) print r }' /proc/$q/smaps \
				>"$D/qrss.new" 2>/dev/null && [ -s "$D/qrss.new" ] &&
				mv "$D/qrss.new" "$D/qrss"
			sleep 0.2
		done
		wait $q
		echo $? >"$D/rc"
	} | watch_init "$t0" "$D/mark"
	t1=$(now_ms)
	rec "$1" "exit_ms=$((t1 - t0)) init_ms=$(cat "$D/mark")" \
		"mmio_exits=$(cat "$D/qexits") rss_out_kib=$(cat "$D/qrss")" \
		"rc=$(cat "$D/rc")"
}

# exit_run CASE CMD...: CMD's start -> exit on timeit's clock, alone, on
# a settled host, EXIT_REPS times after one untimed run of the same
# command. The case is short, so several timed runs a round are cheap and
# make its median steadier than the boots' one a round. The warm-up
# is for the emulated host: there, code that has not run lately (the
# VMM's, and the host kernel's KVM paths) is translated again by QEMU's
# TCG first, which costs more than a short run itself (vmm's first power-
# off after the boots of a round took ~200 ms, a repeat ~60 ms). Both
# VMMs get the same warm-up; a host that starts VMs by the hundred is
# warm too.
exit_run() {
	_c=$1
	shift
	settle
	"$@" </dev/null >/dev/null 2>&1
	_k=0
	while [ $_k -lt "$EXIT_REPS" ]; do
		_k=$((_k + 1))
		settle
		: >"$D/t"
		rm -f "$EV"
		"$TIMEIT" "$D/t" "$@" </dev/null >/dev/null 2>"$D/err"
		rec "$_c" "$(awk -v more="$(setup_fields)" '{
			printf "exit_ms=%.1f%s rc=%s", substr($1, 4) / 1000,
				more, substr($2, 4) }' "$D/t")"
	done
}

# setup_fields: " step_us=N ..." from the "created" event vmm wrote to
# $EV (--events; on tmpfs like its inputs), if any: where its set-up time
# went in this run. Then the rest of start -> exit, placed by the events'
# CLOCK_MONOTONIC and timeit's: pre_us (exec to the first set-up step:
# the process's start, libc, options), entry_us (created to
# kernel_started: the vCPU threads start), guest_us (to guest_poweroff),
# down_us (to the exit event: tear-down) and reap_us (to timeit's
# waitpid()).
setup_fields() {
	[ -s "$EV" ] || return 0
	awk -v t="$(cat "$D/t")" '
		match($0, /"event":"[a-z_]*"/) {
			ev = substr($0, RSTART + 9, RLENGTH - 10)
			if (match($0, /"mono_ns":[0-9]+/))
				ns[ev] = substr($0, RSTART + 10, RLENGTH - 10)
			if (ev == "created" && match($0, /"setup_us":[{][^}]*[}]/))
				steps = substr($0, RSTART + 12, RLENGTH - 13)
		}
		END {
			gsub(/"/, "", steps)
			n = split(steps, st, ",")
			for (i = 1; i <= n; i++)
				if (split(st[i], kv, ":") == 2 && kv[1] ~ /^[a-z]+$/ &&
				    kv[2] ~ /^[0-9]+$/) {
					printf " %s_us=%s", kv[1], kv[2]
					s += kv[2]
				}
			n = split(t, f, /[ =]/)
			for (i = 1; i < n; i += 2) v[f[i]] = f[i + 1]
			if (!("created" in ns) || !("exit" in ns) || !("start_us" in v))
				exit
			c = ns["created"] / 1000; x = ns["exit"] / 1000
			printf " pre_us=%d", c - v["start_us"] - s
			if (("kernel_started" in ns) && ("guest_poweroff" in ns))
				printf " entry_us=%d guest_us=%d down_us=%d",
					ns["kernel_started"] / 1000 - c,
					(ns["guest_poweroff"] - ns["kernel_started"]) / 1000,
					x - ns["guest_poweroff"] / 1000
			printf " reap_us=%d", v["start_us"] + v["us"] - x
		}' "$EV"
}

# settle: wait until the host's CPUs were under 10% busy for a second (at
# most 30 s). A stopped VM's memory is freed by the kernel after the
# process is gone; landing in a run of tens of milliseconds, that work
# would be counted against whichever VMM came next.
cpu_times() { # busy and idle jiffies of all CPUs
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}
settle() {
	_n=0
	while [ $_n -lt 30 ]; do
		_a=$(cpu_times)
		sleep 1
		_b=$(cpu_times)
		# shellcheck disable=SC2086
		set -- $_a $_b
		if [ $((($3 - $1) * 10)) -lt $((($3 - $1) + ($4 - $2))) ]; then
			return
		fi
		_n=$((_n + 1))
	done
}

# hold_vm: keep an empty VM on the host (timeit --hold-vm, pid in HOLD;
# timeit.c says why) for the "held" power-off cases; 0 once it exists.
# unhold: stop it.
hold_vm() {
	"$TIMEIT" --hold-vm >"$D/hold" 2>"$D/hold-err" &
	HOLD=$!
	_w=0
	while [ $_w -lt 100 ]; do
		[ -s "$D/hold" ] && return 0
		kill -0 "$HOLD" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
	echo "bench: no held VM: $(cat "$D/hold-err")" >&2
	unhold
	return 1
}
unhold() {
	[ -n "$HOLD" ] || return 0
	kill "$HOLD" 2>/dev/null
	wait "$HOLD" 2>/dev/null
	HOLD=
}

# vmm_run CASE KERNEL CMDLINE [vmm args]
vmm_run() {
	_c=$1 _k=$2 _cl=$3
	shift 3
	: >"$D/mark"
	t0=$(now_ms)
	{
		"$VMM" --kernel "$_k" --initrd "$I" --mem 256M --stats \
			--cmdline "$_cl" "$@" </dev/null 2>"$D/err"
		echo $? >"$D/rc"
	} | watch_init "$t0" "$D/mark"
	t1=$(now_ms)
	rec "$_c" "exit_ms=$((t1 - t0)) init_ms=$(cat "$D/mark")" \
		"boot_ms=$(stat_of boot_ms "$D/err")" \
		"mmio_exits=$(stat_of mmio_exits "$D/err")" \
		"bytes=$(stat_of console_tx_bytes "$D/err")" \
		"rss_out_kib=$(stat_of rss_outside_guest_kib "$D/err")" \
		"rc=$(cat "$D/rc")"
}

# parallel CASE N CMD...: N copies started at once, each booting a guest
# that stays up; when every console has said VMM_GUEST_INIT_READY, all are
# stopped (SIGTERM). VMs per second: N over the time until the last one
# was up; then the time for all to stop. vmm runs with --shutdown-grace 0:
# its SIGTERM would otherwise press the power button and give the guest
# 10 s to power off, where QEMU's SIGTERM ends the VM at once.
parallel() {
	_c=$1 _n=$2
	shift 2
	rm -f "$D"/par.*
	t0=$(now_ms)
	_i=0
	_pids=
	while [ $_i -lt "$_n" ]; do
		"$@" </dev/null >"$D/par.$_i" 2>&1 &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	_up=0
	_w=0
	while [ "$_up" -lt "$_n" ] && [ $_w -lt 12000 ]; do
		_up=$(grep -ls VMM_GUEST_INIT_READY "$D"/par.* | wc -l)
		[ "$_up" -lt "$_n" ] || break
		sleep 0.05
		_w=$((_w + 1))
	done
	t1=$(now_ms)
	# shellcheck disable=SC2086
	kill -TERM $_pids 2>/dev/null
	wait
	t2=$(now_ms)
	if [ "$_up" -lt "$_n" ]; then
		rec "$_c" "rc=1"
		return
	fi
	rec "$_c" "up_ms=$((t1 - t0))" "stop_ms=$((t2 - t1))" \
		"vms_per_s=$(awk -v n="$_n" -v t=$((t1 - t0)) \
			'BEGIN { printf "%.2f", n * 1000 / t }')" "rc=0"
}

# Huge pages for the hugetlbfs case: 256 MiB worth, if the host has them.
HUGE=0
if [ -w /proc/sys/vm/nr_hugepages ]; then
	hp=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
	[ -n "$hp" ] && echo $((262144 / hp + 8)) >/proc/sys/vm/nr_hugepages
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	[ -n "$hp" ] && [ "${free:-0}" -ge $((262144 / hp)) ] && HUGE=1
fi

Q='quiet run="true"'
F='run="true"'
UP='quiet run="sleep 600"'
QC='console=ttyAMA0 earlycon'
echo "vmm benchmark: $RUNS rounds, 256 MiB, 1 vCPU, default guest" \
	"(QEMU: $(qemu_name))"
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	echo "bench: round $r of $RUNS"
	# The short cases first, side by side.
	exit_run noop "$TIMEIT" --noop
	for _h in "" -held; do
		[ -z "$_h" ] || hold_vm || break
		exit_run "poweroff$_h" "$VMM" --kernel "$PO" --initrd "$I" \
			--mem 256M --events "$EV"
		# shellcheck disable=SC2086
		[ -z "$QEMU" ] || exit_run "qemu-poweroff$_h" $QEMU -M virt \
			-accel kvm -cpu host -m 256M -smp 1 -nodefaults \
			-display none -monitor none -serial stdio -no-reboot \
			-kernel "$PO" -initrd "$I"
	done
	unhold
	vmm_run quiet "$K" "$Q"
	vmm_run full "$K" "$F"
	vmm_run full-nofast "$K" "$F" --uart-fast off
	if [ -n "$QEMU" ]; then
		qemu_run qemu-quiet "$K" "$QC $Q"
		qemu_run qemu-full "$K" "$QC $F"
	fi
	[ $r -le "$EXTRA" ] || continue
	vmm_run hvc "$K" "$Q" --console virtio
	vmm_run memfd "$K" "$Q" --mem-backend memfd
	vmm_run prefault "$K" "$Q" --mem-prefault on
	[ $HUGE = 1 ] && vmm_run hugetlbfs "$K" "$Q" --mem-backend hugetlbfs
	parallel many "$PAR" "$VMM" --kernel "$K" --initrd "$I" --mem 256M \
		--shutdown-grace 0 --cmdline "$UP"
	if [ -n "$QEMU" ]; then
		# shellcheck disable=SC2086
		parallel qemu-many "$PAR" $QEMU -M virt -accel kvm -cpu host \
			-m 256M -nodefaults -display none -monitor none \
			-serial stdio -no-reboot -kernel "$K" -initrd "$I" \
			-append "$QC $UP"
	fi
done

# --- the table ----------------------------------------------------------------
# med CASE KEY -> "median (min..max)", or "-" without values
med() {
	[ -f "$D/$1.rec" ] || { echo "-"; return; }
	sed -n "s/.* $2=\([0-9.][0-9.]*\).*/\1/p" "$D/$1.rec" | sort -n | awk '
		{ v[NR] = $1 }
		END { if (NR) printf "%s (%s..%s)", v[int((NR + 1) / 2)], v[1], v[NR];
		      else printf "-" }'
}
medv() { med "$1" "$2" | cut -d' ' -f1; } # the median alone
ratio() { # ratio A B: A / B with 2 decimals
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'
}
bad=$(cat "$D"/*.rec | grep ' rc=' | grep -cv ' rc=0 *$')
{
	echo "# vmm benchmark results"
	echo
	echo "$RUNS rounds ($EXTRA with the secondary cases: virtio console," \
		"memory backends, VMs in parallel); median (min..max). 256 MiB, 1 vCPU, the default guest" \
		"(Debian $(cat build/guest/kernel-version 2>/dev/null) kernel," \
		"busybox initramfs), on $(uname -m) Linux $(uname -r) with KVM;" \
		"$(nproc) CPUs. QEMU: $(qemu_name)." \
		"Runs that did not exit 0: $bad."
	echo
	echo "| figure | QEMU | vmm | vmm / QEMU |"
	echo "|---|---|---|---|"
	row() { # row LABEL QCASE VCASE KEY
		echo "| $1 | $(med "$2" "$4") | $(med "$3" "$4") |" \
			"$(ratio "$(medv "$3" "$4")" "$(medv "$2" "$4")") |"
	}
	row "start → exit, guest powers off at its first instruction (ms)" \
		qemu-poweroff poweroff exit_ms
	row "the same, with another VM already on the host (ms)" \
		qemu-poweroff-held poweroff-held exit_ms
	row "start → init, quiet (ms)" qemu-quiet quiet init_ms
	row "start → init, full console log (ms)" qemu-full full init_ms
	row "userspace MMIO exits, full-log boot" qemu-full full mmio_exits
	row "RSS outside guest RAM, quiet boot (KiB)" qemu-quiet quiet rss_out_kib
	row "VMs per second, $PAR started in parallel until all are up" \
		qemu-many many vms_per_s
	row "then all $PAR stopped (SIGTERM; vmm with --shutdown-grace 0), ms" \
		qemu-many many stop_ms
	echo
	echo "Start → exit is timed by timeit (microseconds, nothing else" \
		"running; $EXIT_REPS timed runs a round); the floor, a static program that exits at once," \
		"took $(med noop exit_ms) ms here. In the second power-off" \
		"row an empty VM (timeit --hold-vm) exists throughout, so" \
		"the host kernel's work for the first VM on it (enabling" \
		"virtualization on every CPU, switching a static key:" \
		"cross-CPU calls that wait for an idle CPU) is not in the" \
		"runs, as on a host that already runs VMs; vmm's kvm set-up" \
		"step took $(med poweroff-held kvm_us) µs there, against" \
		"$(med poweroff kvm_us) µs in the first row."
	echo
	echo "vmm's set-up in the power-off runs (the \`created\` event's" \
		"\`setup_us\`), median (min..max) in µs:" \
		"$(for k in inputs kvm memory vcpus loop devices uart load api privileges; do
			printf '%s %s; ' "$k" "$(med poweroff "${k}_us")"; done | sed 's/; $/./')"
	echo
	echo "The rest of vmm's start → exit in those runs, median (min..max) in" \
		"µs: before set-up (exec, libc, options) $(med poweroff pre_us);" \
		"vCPU threads start, created → kernel_started, $(med poweroff entry_us);" \
		"the guest, kernel_started → guest_poweroff, $(med poweroff guest_us);" \
		"tear-down, guest_poweroff → exit event, $(med poweroff down_us);" \
		"exit event → reaped $(med poweroff reap_us)."
	echo
	echo "vmm alone (ratios within this run):"
	echo
	echo "| case | start → init (ms) | boot timer (ms) | start → exit (ms) | MMIO exits | console bytes | RSS outside RAM (KiB) |"
	echo "|---|---|---|---|---|---|---|"
	for c in quiet full full-nofast hvc memfd prefault hugetlbfs; do
		[ -f "$D/$c.rec" ] || continue
		echo "| $c | $(med $c init_ms) | $(med $c boot_ms) |" \
			"$(med $c exit_ms) | $(med $c mmio_exits) | $(med $c bytes) |" \
			"$(med $c rss_out_kib) |"
	done
	echo
	echo "- UART fast path, full-log boot: MMIO exits" \
		"$(medv full-nofast mmio_exits) → $(medv full mmio_exits)" \
		"($(ratio "$(medv full-nofast mmio_exits)" "$(medv full mmio_exits)")× fewer)," \
		"start → init ×$(ratio "$(medv full init_ms)" "$(medv full-nofast init_ms)")."
	echo "- Memory backends, boot timer vs anon: memfd" \
		"×$(ratio "$(medv memfd boot_ms)" "$(medv quiet boot_ms)"), anon" \
		"prefaulted ×$(ratio "$(medv prefault boot_ms)" "$(medv quiet boot_ms)")," \
		"hugetlbfs $([ $HUGE = 1 ] && echo "×$(ratio "$(medv hugetlbfs boot_ms)" "$(medv quiet boot_ms)")" || echo "not run (no huge pages)")."
	echo "- hvc: virtio console (its log starts when virtio_console loads)."
} >"$D/results.md"
# chart data: figure, QEMU, vmm (medians)
{
	echo "\"power-off (ms)\" $(medv qemu-poweroff exit_ms) $(medv poweroff exit_ms)"
	echo "\"init quiet (ms)\" $(medv qemu-quiet init_ms) $(medv quiet init_ms)"
	echo "\"init full log (ms)\" $(medv qemu-full init_ms) $(medv full init_ms)"
	echo "\"MMIO exits, full\" $(medv qemu-full mmio_exits) $(medv full mmio_exits)"
	echo "\"RSS out (KiB)\" $(medv qemu-quiet rss_out_kib) $(medv quiet rss_out_kib)"
} >"$D/chart.dat"

# --- disk throughput: the same tool in vmm's guest, QEMU's, and on the host --
# blkbench (guest-images/tools/) on /dev/vda, DRUNS times per setup, the
# setups taking turns: vmm as shipped (io_uring, one submission per
# notification's batch, registered file, depth 128); vmm submitting every
# request alone (the "before" of batching); vmm with queue depth 1; vmm
# submitting by fd (no registered file); and QEMU (virtio-blk-device,
# aio=io_uring, cache=writeback: like vmm, the host page cache). Random
# reads run twice: one request at a time, and QDEEP in flight (native AIO,
# O_DIRECT), where batching can matter. The image lives on the host's tmpfs
# in the emulated host, so the host figure is memory speed (and tmpfs has
# no O_DIRECT: no QDEEP row there). vmm's requests per submission come
# from its --stats.
DISK_MIB=${VMM_BENCH_DISK_MIB:-64}
RAND_MIB=${VMM_BENCH_RAND_MIB:-16}
DRUNS=${VMM_BENCH_DISK_RUNS:-5}
QDEEP=${VMM_BENCH_DISK_QD:-16}
BB=build/guest/tools/blkbench
# disk_rec CASE FILE [STATS]: blkbench's output (and vmm's stats) as one
# record
disk_rec() {
	_b=
	if [ -n "${3:-}" ]; then
		_rq=$(stat_of requests "$3")
		_sb=$(stat_of submits "$3")
		[ -n "$_rq" ] && [ "${_sb:-0}" -gt 0 ] &&
			_b=$(awk -v r="$_rq" -v s="$_sb" 'BEGIN { printf "%.2f", r / s }')
	fi
	rec "$1" "seqread=$(grep -s '^seqread ' "$2" | cut -d' ' -f2)" \
		"seqwrite=$(grep -s '^seqwrite ' "$2" | cut -d' ' -f2)" \
		"randread=$(grep -s '^randread .* qd=1$' "$2" | cut -d' ' -f4)" \
		"randreadq=$(grep -s "^randread .* qd=$QDEEP\$" "$2" | cut -d' ' -f4)" \
		"batch=$_b"
}
if [ -x "$BB" ]; then
	img=/tmp/vmm-bench-disk.img
	dd if=/dev/zero of="$img" bs=1M count="$DISK_MIB" 2>/dev/null
	bcmd="blkbench /dev/vda seqread $DISK_MIB; blkbench /dev/vda seqwrite $DISK_MIB; blkbench /dev/vda randread $RAND_MIB; blkbench /dev/vda randread $RAND_MIB $QDEEP"
	vdisk() { # vdisk CASE [env...]
		_c=$1
		shift
		env "$@" "$VMM" --kernel "$K" --initrd "$I" --mem 256M --stats \
			--disk "$img" --cmdline "quiet run=\"$bcmd\"" </dev/null \
			2>"$D/disk-err" | tr -d '\r' >"$D/disk-out"
		disk_rec "$_c" "$D/disk-out" "$D/disk-err"
	}
	r=0
	while [ $r -lt "$DRUNS" ]; do
		r=$((r + 1))
		echo "bench: disk round $r of $DRUNS"
		vdisk disk-vmm
		vdisk disk-vmm-each VMM_BENCH_BLK_SUBMIT_EACH=1
		vdisk disk-vmm-depth1 VMM_BENCH_BLK_DEPTH=1
		vdisk disk-vmm-nofixed VMM_BENCH_BLK_NO_FIXED_FILE=1
		if [ -n "$QEMU" ]; then
			# shellcheck disable=SC2086
			$QEMU -M virt -accel kvm -cpu host -m 256M -nodefaults \
				-display none -monitor none -serial stdio \
				-no-reboot -kernel "$K" -initrd "$I" \
				-append "$QC quiet run=\"$bcmd\"" \
				-drive file="$img",format=raw,if=none,id=d0,cache=writeback,aio=io_uring \
				-device virtio-blk-device,drive=d0 </dev/null \
				2>/dev/null | tr -d '\r' >"$D/disk-out"
			disk_rec disk-qemu "$D/disk-out"
		fi
		{
			"$BB" "$img" seqread "$DISK_MIB"
			"$BB" "$img" seqwrite "$DISK_MIB"
			"$BB" "$img" randread "$RAND_MIB"
		} >"$D/disk-out"
		disk_rec disk-host "$D/disk-out"
	done
	rm -f "$img"
	{
		echo
		echo "Disk, $DRUNS runs each, median (min..max); blkbench" \
			"(O_DIRECT where the file allows); sequential in MiB/s" \
			"(1 MiB requests, one at a time), 4 KiB random reads in" \
			"IOPS with 1 and with $QDEEP in flight; vmm's requests per" \
			"io_uring submission over the whole run:"
		echo
		echo "| disk | QEMU | vmm | vmm / QEMU | vmm, one submission per request | vmm, queue depth 1 | vmm, no registered file | host file |"
		echo "|---|---|---|---|---|---|---|---|"
		for m in seqread seqwrite randread randreadq batch; do
			case $m in
			randreadq) n="randread, $QDEEP in flight" ;;
			batch) n="requests per submission" ;;
			*) n=$m ;;
			esac
			echo "| $n | $(med disk-qemu $m) | $(med disk-vmm $m) |" \
				"$(ratio "$(medv disk-vmm $m)" "$(medv disk-qemu $m)") |" \
				"$(med disk-vmm-each $m) | $(med disk-vmm-depth1 $m) |" \
				"$(med disk-vmm-nofixed $m) | $(med disk-host $m) |"
		done
		m=randreadq
		echo
		echo "- io_uring batching, randread with $QDEEP in flight:" \
			"vmm as shipped vs one submission per request" \
			"×$(ratio "$(medv disk-vmm $m)" "$(medv disk-vmm-each $m)")," \
			"vs queue depth 1 ×$(ratio "$(medv disk-vmm $m)" "$(medv disk-vmm-depth1 $m)")," \
			"vs no registered file ×$(ratio "$(medv disk-vmm $m)" "$(medv disk-vmm-nofixed $m)")."
	} >>"$D/results.md"
else
	echo "disk: skipped ($BB missing: run guest-images/build.sh)" >>"$D/results.md"
fi
cat "$D/results.md"
