#!/bin/sh
# The integration tests proper. POSIX sh: runs under busybox in the emulated
# arm64 KVM host, or directly on an arm64 machine with /dev/kvm. Every test
# boots the default guest (guest-images/) with build/arm64/vmm and asserts
# what a user sees: console output, exit codes, error messages.
#
# The tests live in tNN-NAME.sh files, sourced here in order; arguments
# choose sections by NAME (e.g. "suite.sh virtio-blk dtb"), none runs all.
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
	# Runs in the background are not rerun (see vmm_run): say so when
	# the emulated host's clock fault is what broke this one.
	if [ -s "$D/$T.out" ] && clock_fault "$D/$T.out"; then
		say "# $T: the guest's printk clock in $D/$T.out jumps: the emulated host's clock fault (see clock_fault)"
	fi
}

# The emulated host (QEMU TCG running KVM) now and then gives a guest a
# virtual counter that jumps: its printk clock reads thousands of seconds
# (sched_clock's 2^43 ns wrap of a counter that went backwards) or runs
# backwards, and the guest oopses or its init dies. vmm never writes the
# counter or its offset. clock_fault FILE: FILE's printk clock shows that,
# under emulation only (a time past the run's limit, or a step back of
# over a second).
clock_fault() {
	[ "${VMM_HOST_EMULATED:-}" = 1 ] || return 1
	tr '\r' '\n' <"$1" | awk -v lim="$LIMIT" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
			t = substr($0, RSTART + 1, RLENGTH - 2) + 0
			if (t > lim + 60 || t < max - 1) bad = 1
			if (t > max) max = t
		}
		END { exit !bad }'
}
# The emulated host has also stopped a guest dead in its earliest boot
# code, where the guest makes no exits: a CI run's full-log boot printed
# nothing after "Initmem setup" at 0.000000 until the limit killed it, and
# it passed in every run here. Such a hang is taken to be the emulator's,
# like the clock fault; the .fault.err it leaves says where each vCPU was,
# to check that by.
# hung_at_limit START: under emulation, the run that started at START
# (date +%s) was stopped by the suite's own --timeout (exit 124 after
# $LIMIT s; a vmm that ignores it is killed, 137, and is not excused).
hung_at_limit() {
	[ "${VMM_HOST_EMULATED:-}" = 1 ] && [ "$RC" = 124 ] &&
		[ $(($(date +%s) - $1)) -ge "$LIMIT" ]
}
# Such a run says nothing about vmm: it is run again, once, and the first
# attempt is kept as NAME.fault.{out,err} and listed in the results as a
# "# rerun" line. More than RERUN_MAX of them fail as they are.
RERUN_MAX=3
RERUNS=0

# vmm_once ARGS... : run vmm once as test $T (see vmm_run). vmm's own
# --timeout stops a guest that hangs and logs where its vCPUs were (a
# later --timeout in ARGS wins); the KILL after it is for a vmm that hangs.
vmm_once() {
	timeout -s KILL "$((LIMIT + 30))" "$VMM" --timeout "$LIMIT" "$@" \
		<"${STDIN:-/dev/null}" >"$D/$T.out" 2>"$D/$T.err"
	RC=$?
}
# vmm_run NAME ARGS... : run vmm, stdout/stderr to $D/NAME.{out,err}, sets RC.
vmm_run() {
	T=$1
	shift
	_t0=$(date +%s)
	vmm_once "$@"
	_why=
	if clock_fault "$D/$T.out"; then
		_why="the emulated host broke the guest's clock"
	elif hung_at_limit "$_t0"; then
		_why="the guest hung until the suite's $LIMIT s limit"
	fi
	if [ -n "$_why" ] && [ "$RERUNS" -lt "$RERUN_MAX" ]; then
		RERUNS=$((RERUNS + 1))
		mv "$D/$T.out" "$D/$T.fault.out"
		mv "$D/$T.err" "$D/$T.fault.err"
		say "# rerun - $T: $_why (exit $RC; $D/$T.fault.out, .err)"
		vmm_once "$@"
	fi
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
# ev_seq FILE: the names of the events in FILE (--events), space-separated.
ev_seq() { sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$1" | tr '\n' ' '; }
# ev_order FILE: ev_seq without boot_complete, for tests that signal vmm
# once the guest's init is up: the guest may write its boot timer before
# the signal or during the grace period after it, and both are right.
ev_order() { ev_seq "$1" | sed 's/boot_complete //g'; }
err_has() { grep -qs -- "$1" "$D/$T.err"; }
wait_out() { # wait_out TEXT: until $D/$T.out has TEXT, $LIMIT s at most
	_i=0
	while [ $_i -lt "$LIMIT" ] && ! out_has "$1"; do
		sleep 1
		_i=$((_i + 1))
	done
}
wait_file() { # wait_file FILE TEXT: until FILE has TEXT ($LIMIT s at most)
	_i=0
	while [ $_i -lt "$LIMIT" ] && ! grep -qs -- "$2" "$1"; do
		sleep 1
		_i=$((_i + 1))
	done
	grep -qs -- "$2" "$1"
}
wait_exit() { # wait_exit PID: until it exits ($LIMIT s, then KILL); sets RC
	_i=0
	while [ $_i -lt "$LIMIT" ] && kill -0 "$1" 2>/dev/null; do
		sleep 1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	RC=$?
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

# The clock-fault check must see the fault it was written from (a CI log)
# and pass a healthy boot.
if [ "${VMM_HOST_EMULATED:-}" = 1 ]; then
	printf '[    0.000000] Booting Linux\r\n[ 8759.942455] x29: 0\r\n[    5.524307] x14: 0\r\n' >"$D/clock-fault.txt"
	printf '[    0.000000] Booting Linux\r\n[    5.524307] Run /init\r\n' >"$D/clock-ok.txt"
	if ! clock_fault "$D/clock-fault.txt" || clock_fault "$D/clock-ok.txt"; then
		say "not ok - the suite's clock-fault check tells a broken guest clock from a healthy one"
	fi
	# The hang check excuses only a run its own --timeout ended.
	_now=$(date +%s)
	if ! { RC=124 && hung_at_limit $((_now - LIMIT)); } ||
		{ RC=124 && hung_at_limit "$_now"; } ||
		{ RC=137 && hung_at_limit $((_now - LIMIT - 30)); }; then
		say "not ok - the suite's hang check tells a run its limit stopped from others"
	fi
fi

DIR=$(dirname "$0")
for f in "$DIR"/t[0-9][0-9]-*.sh; do
	section=${f##*/t[0-9][0-9]-}
	section=${section%.sh}
	if [ $# -gt 0 ]; then
		case " $* " in
		*" $section "*) ;;
		*) continue ;;
		esac
	fi
	echo "# $section"
	. "$f"
done
exit 0
