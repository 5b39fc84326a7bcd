# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- scripting: events, boot timer, timeout, serial log ---------------------
# Boot -> poweroff: the events come in order, each once, and agree with
# the exit code; the boot timer's time is in the events and the stats.
T=events_poweroff
boot $T 'echo payload-ran' --events "$D/ev-poweroff.jsonl" --stats \
	--serial-log "$D/serial.log"
seq=$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$D/ev-poweroff.jsonl" | tr '\n' ' ')
if expect_rc "events: created, kernel_started, boot_complete, guest_poweroff, exit 0" 0; then
	if [ "$seq" = "created kernel_started boot_complete guest_poweroff exit " ] &&
		grep -q '"event":"exit","code":0,' "$D/ev-poweroff.jsonl" &&
		grep -q '"event":"boot_complete","boot_ms":[1-9]' "$D/ev-poweroff.jsonl" &&
		err_has 'boot_ms=[1-9]'; then
		pass "events: created, kernel_started, boot_complete, guest_poweroff, exit 0"
	else
		fail "events: created, kernel_started, boot_complete, guest_poweroff, exit 0" \
			"sequence '$seq'"
	fi
fi
if tr -d '\r' <"$D/serial.log" | grep -qx payload-ran &&
	cmp -s "$D/serial.log" "$D/$T.out"; then
	pass "--serial-log: the same bytes as stdout"
else
	fail "--serial-log: the same bytes as stdout" "log differs or lacks the output"
fi

# --timeout: the VM is stopped, exit 124, and the events say why.
T=timeout
vmm_run $T --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cmdline quiet \
	--timeout 20 --events "$D/ev-timeout.jsonl"
seq=$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$D/ev-timeout.jsonl" | tr '\n' ' ')
if expect_rc "--timeout: exit 124, events end with timeout, exit 124" 124; then
	if [ "$seq" = "created kernel_started boot_complete timeout exit " ] &&
		grep -q '"event":"exit","code":124,' "$D/ev-timeout.jsonl"; then
		pass "--timeout: exit 124, events end with timeout, exit 124"
	else
		fail "--timeout: exit 124, events end with timeout, exit 124" \
			"sequence '$seq'"
	fi
fi
bad bad_timeout 2 "--timeout '0'" --kernel "$KERNEL" --timeout 0
