# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- graceful shutdown: the power button, the grace period ---------------------
# SIGTERM presses the guest's power button (PL061 pin 3, gpio-keys
# KEY_POWER). The generic kernel's guest hears it and powers off (exit 0);
# the cloud kernel has no gpio-keys, so vmm stops it hard after the grace
# period (exit 143). Events, exit codes and the log must agree.
GKERNEL=build/guest/Image-generic
GINITRD=build/guest/initramfs-generic.cpio.gz

# ev_ms FILE EVENT: that event's t_ms.
ev_ms() { sed -n "s/.*\"event\":\"$2\".*\"t_ms\":\([0-9]*\).*/\1/p" "$1"; }
# start_vm NAME KERNEL INITRD ARGS...: vmm in the background, pid in $pid;
# the guest runs "sleep 600" (it only ends by the button or a stop).
start_vm() {
	T=$1 _k=$2 _i=$3
	shift 3
	"$VMM" --kernel "$_k" --initrd "$_i" --mem 256M \
		--cmdline 'quiet run="sleep 600"' --events "$D/ev-$T.jsonl" \
		"$@" </dev/null >"$D/$T.out" 2>"$D/$T.err" &
	pid=$!
}
# stop_vm SIG: send SIG, wait for vmm (killed after $LIMIT s), set RC.
stop_vm() {
	kill -"$1" $pid
	wait_exit $pid
}

# 1. A guest that handles the button: its shutdown path runs, exit 0.
N="SIGTERM: the guest hears the power button, shuts down, exit 0"
if [ ! -f "$GKERNEL" ] || [ ! -f "$GINITRD" ]; then
	say "skip - $N ($GKERNEL missing: run 'make guest')"
else
	start_vm power_graceful "$GKERNEL" "$GINITRD" --shutdown-grace 120 \
		--log-level info
	wait_out VMM_GUEST_INIT_READY
	stop_vm TERM
	E=$D/ev-$T.jsonl
	seq=$(ev_order "$E")
	if expect_rc "$N" 0; then
		case $seq in
		"created kernel_started "*"shutdown_requested guest_poweroff exit ") ev_ok=1 ;;
		*) ev_ok=0 ;;
		esac
		if ! out_has "VMM_GUEST_SHUTDOWN: power button"; then
			fail "$N" "the guest did not print its shutdown line"
		elif [ $ev_ok = 0 ]; then
			fail "$N" "events '$seq'"
		elif ! grep -q '"event":"shutdown_requested","reason":"SIGTERM","how":"power_button","grace_s":120,' "$E" ||
			! grep -q '"event":"exit","code":0,' "$E"; then
			fail "$N" "shutdown_requested or exit event lacks its fields"
		elif ! err_has "info: SIGTERM: pressed the guest's power button" ||
			err_has "did not shut down"; then
			fail "$N" "the log does not say what happened"
		elif out_has VMM_GUEST_RUN_EXIT; then
			fail "$N" "the guest's command ended on its own"
		else
			pass "$N ($(($(ev_ms "$E" guest_poweroff) - $(ev_ms "$E" shutdown_requested))) ms)"
		fi
	fi
fi

# 2. A guest without gpio-keys (the cloud kernel): hard stop after the grace.
N="SIGTERM, guest ignores the button: exit 143 after --shutdown-grace 2"
start_vm power_ignored "$KERNEL" "$INITRD" --shutdown-grace 2
wait_out VMM_GUEST_INIT_READY
stop_vm TERM
E=$D/ev-$T.jsonl
seq=$(ev_order "$E")
if expect_rc "$N" 143; then
	waited=$(($(ev_ms "$E" shutdown_forced) - $(ev_ms "$E" shutdown_requested)))
	case $seq in
	"created kernel_started "*"shutdown_requested shutdown_forced exit ") ev_ok=1 ;;
	*) ev_ok=0 ;;
	esac
	if [ $ev_ok = 0 ]; then
		fail "$N" "events '$seq'"
	elif ! grep -q '"event":"shutdown_forced","reason":"grace period expired","grace_s":2,' "$E" ||
		! grep -q '"event":"exit","code":143,' "$E"; then
		fail "$N" "shutdown_forced or exit event lacks its fields"
	elif [ "$waited" -lt 2000 ] || [ "$waited" -gt 5000 ]; then
		fail "$N" "forced after $waited ms"
	elif ! err_has "warn: SIGTERM: the guest did not shut down within 2 s of the power button (it never enabled the button's interrupt"; then
		fail "$N" "no warning naming the grace period"
	else
		pass "$N (forced after $waited ms; the log says the guest never listened)"
	fi
fi

# 3. A guest that hears the button but whose init ignores it.
N="SIGTERM, guest listens but ignores: exit 143, the log does not blame gpio-keys"
if [ ! -f "$GKERNEL" ] || [ ! -f "$GINITRD" ]; then
	say "skip - $N ($GKERNEL missing: run 'make guest')"
else
	T=power_listening
	"$VMM" --kernel "$GKERNEL" --initrd "$GINITRD" --mem 256M \
		--cmdline 'quiet powerkey=ignore run="sleep 600"' \
		--events "$D/ev-$T.jsonl" --shutdown-grace 2 --stats \
		</dev/null >"$D/$T.out" 2>"$D/$T.err" &
	pid=$!
	wait_out VMM_GUEST_INIT_READY
	stop_vm TERM
	if expect_rc "$N" 143; then
		if err_has "the guest did not shut down within 2 s of the power button; stopping it hard" &&
			err_has "power_button presses=1 .*guest_listening=1" &&
			! out_has VMM_GUEST_SHUTDOWN; then
			pass "$N"
		else
			fail "$N" "log or stats wrong"
		fi
	fi
fi

# 4. --shutdown-grace 0: no button, stop at once.
N="--shutdown-grace 0: SIGTERM stops at once, exit 143"
start_vm power_nograce "$KERNEL" "$INITRD" --shutdown-grace 0
wait_file "$D/ev-$T.jsonl" kernel_started
stop_vm TERM
E=$D/ev-$T.jsonl
seq=$(ev_order "$E")
if expect_rc "$N" 143; then
	case $seq in
	"created kernel_started "*"shutdown_requested exit ") ev_ok=1 ;;
	*) ev_ok=0 ;;
	esac
	if [ $ev_ok = 1 ] &&
		grep -q '"event":"shutdown_requested","reason":"SIGTERM","how":"stop","grace_s":0,' "$E"; then
		pass "$N"
	else
		fail "$N" "events '$seq'"
	fi
fi

# 5. A second SIGTERM during the grace period stops at once.
N="a second SIGTERM during the grace period stops at once, exit 143"
start_vm power_twice "$KERNEL" "$INITRD" --shutdown-grace 600
wait_file "$D/ev-$T.jsonl" kernel_started
kill -TERM $pid
wait_file "$D/ev-$T.jsonl" shutdown_requested
stop_vm TERM
E=$D/ev-$T.jsonl
seq=$(ev_order "$E")
if expect_rc "$N" 143; then
	if [ "${seq%shutdown_requested shutdown_forced exit }" != "$seq" ] &&
		grep -q '"event":"shutdown_forced","reason":"second SIGTERM","grace_s":600,' "$E" &&
		err_has "warn: second SIGTERM: stopping the guest hard"; then
		pass "$N"
	else
		fail "$N" "events '$seq' or no warning"
	fi
fi

bad bad_grace_neg 2 "--shutdown-grace '-1': must be whole seconds, 0 to 3600" \
	--kernel "$KERNEL" --shutdown-grace -1
bad bad_grace_big 2 "--shutdown-grace '3601'" --kernel "$KERNEL" --shutdown-grace 3601
bad bad_grace_unit 2 "--shutdown-grace '5s'" --kernel "$KERNEL" --shutdown-grace 5s
