# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
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

# SIGTERM and SIGINT stop every vCPU and exit with their own codes. SIGTERM
# first presses the power button: this guest's cloud kernel has no gpio-keys,
# so vmm stops it after the grace period (t35-power tests the rest); 2 s
# here, to keep the suite short.
for sig in TERM:143 INT:130; do
	name=${sig%%:*} want=${sig##*:}
	T=sig$name
	# Interactive guest shell; stdin at EOF leaves it waiting, VM running.
	"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
		--cpus 2 --cmdline quiet --events "$D/ev-$name.jsonl" \
		--shutdown-grace 2 \
		</dev/null >"$D/$T.out" 2>"$D/$T.err" &
	pid=$!
	wait_out VMM_GUEST_INIT_READY
	kill -"$name" $pid
	wait $pid
	RC=$?
	seq=$(ev_seq "$D/ev-$name.jsonl")
	if expect_rc "SIG$name stops the VM with exit $want" "$want"; then
		# The order without boot_complete (see ev_order), which may
		# come at most once.
		case $name:$(ev_order "$D/ev-$name.jsonl") in
		TERM:"created kernel_started shutdown_requested shutdown_forced exit ") ev_ok=1 ;;
		INT:"created kernel_started shutdown_requested exit ") ev_ok=1 ;;
		*) ev_ok=0 ;;
		esac
		[ "$(echo "$seq" | grep -o boot_complete | wc -l)" -le 1 ] ||
			ev_ok=0
		if [ $ev_ok = 1 ] &&
			grep -q "\"reason\":\"SIG$name\"" "$D/ev-$name.jsonl"; then
			pass "SIG$name stops the VM with exit $want; events say so"
		else
			fail "SIG$name stops the VM with exit $want" \
				"events '$seq'"
		fi
	fi
done
