# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- scripting: events, boot timer, timeout, serial log ---------------------
# Boot -> poweroff: the events come in order, each once, and agree with
# the exit code; the boot timer's time is in the events and the stats.
T=events_poweroff
boot $T 'echo payload-ran' --events "$D/ev-poweroff.jsonl" --stats \
	--serial-log "$D/serial.log"
seq=$(ev_seq "$D/ev-poweroff.jsonl")
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
# "created" says how long each set-up step took, in order, and the steps
# add up to no more than the time vmm had been running.
N="events: created lists each set-up step's time (setup_us)"
steps=$(sed -n 's/.*"event":"created","setup_us":{\([^}]*\)},"t_ms":\([0-9]*\),.*/\1,t_ms:\2/p' \
	"$D/ev-poweroff.jsonl" | tr -d '"' | tr ',' '\n')
names=$(printf '%s\n' "$steps" | sed -n 's/^\([a-z_]*\):[0-9][0-9]*$/\1/p' | tr '\n' ' ')
if [ "$names" != "inputs kvm memory vcpus loop devices uart load api privileges t_ms " ]; then
	fail "$N" "steps '$names' in: $(grep '"created"' "$D/ev-poweroff.jsonl")"
elif printf '%s\n' "$steps" | awk -F: '$1 == "t_ms" { t = $2; next }
	{ s += $2 } $1 == "load" && $2 == 0 { z = 1 }
	END { exit !(z == 0 && s / 1000 <= t + 1) }'; then
	pass "$N"
else
	fail "$N" "a zero load or a sum past t_ms: $(grep '"created"' "$D/ev-poweroff.jsonl")"
fi
if tr -d '\r' <"$D/serial.log" | grep -qx payload-ran &&
	cmp -s "$D/serial.log" "$D/$T.out"; then
	pass "--serial-log: the same bytes as stdout"
else
	fail "--serial-log: the same bytes as stdout" "log differs or lacks the output"
fi

# --timeout: the VM is stopped, exit 124, and the events say why. The
# log says where each vCPU was: vCPU 1 was taken offline (PSCI CPU_OFF),
# vCPU 0 sleeps in the guest kernel.
T=timeout
vmm_run $T --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
	--cmdline 'quiet run="echo 0 >/sys/devices/system/cpu/cpu1/online; echo cpu1-off; sleep 600"' \
	--timeout 20 --events "$D/ev-timeout.jsonl"
seq=$(ev_seq "$D/ev-timeout.jsonl")
if expect_rc "--timeout: exit 124, events end with timeout, exit 124" 124; then
	if [ "$seq" = "created kernel_started boot_complete timeout exit " ] &&
		grep -q '"event":"exit","code":124,' "$D/ev-timeout.jsonl"; then
		pass "--timeout: exit 124, events end with timeout, exit 124"
	else
		fail "--timeout: exit 124, events end with timeout, exit 124" \
			"sequence '$seq'"
	fi
	N="--timeout: the log says where each vCPU was"
	if out_has cpu1-off &&
		err_has '^vmm: warn: vcpu 0 was at pc 0xffff[0-9a-f]\{12\} (EL1h), lr 0x[0-9a-f]*, sp 0xffff[0-9a-f]*, esr_el1 0x[0-9a-f]*, far_el1 0x[0-9a-f]*$' &&
		err_has '^vmm: warn: vcpu 1 was powered off$'; then
		pass "$N"
	else
		fail "$N" "no 'vcpu N was ...' lines for both vCPUs"
	fi
	N="--timeout: the exit event lists where each vCPU was"
	if grep -q '^{"event":"exit","code":124,"vcpus":\[{"vcpu":0,"pc":"0xffff[0-9a-f]\{12\}","mode":"EL1h","lr":"0x[0-9a-f]*","sp":"0xffff[0-9a-f]*","esr_el1":"0x[0-9a-f]*","far_el1":"0x[0-9a-f]*"},{"vcpu":1,"powered_off":true}\],"t_ms":' "$D/ev-timeout.jsonl"; then
		pass "$N"
	else
		fail "$N" "exit event: $(grep '"exit"' "$D/ev-timeout.jsonl")"
	fi
fi
bad bad_timeout 2 "--timeout '0'" --kernel "$KERNEL" --timeout 0
