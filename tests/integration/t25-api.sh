# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- config file and control API ---------------------------------------------
SOCKREQ=build/guest/tools/sockreq
# Unix sockets need a local file system (the repository may be on 9p).
SD=$(mktemp -d /tmp/vmm-itest.XXXXXX)

# wait_event FILE EVENT: until FILE has a line for EVENT, $LIMIT s at most.
wait_event() { wait_file "$1" "\"event\":\"$2\""; }
ticks() { tr -d '\r' <"$D/$T.out" | grep -c '^tick '; }

# A config file holding options of every kind, with the CLI overriding one.
T=config_file
cat >"$D/vm.json" <<EOF
{
  "kernel": "$KERNEL",
  "initrd": "$INITRD",
  "cmdline": "quiet run=\"nproc; cat /proc/cmdline\"",
  "mem": "192M",
  "cpus": 3,
  "disk": ["build/guest/test-disk.ext4,ro,serial=FROMFILE"],
  "rng": false,
  "console": "uart",
  "seccomp": "kill",
  "timeout": 600,
  "serial-log": "$D/config_file.serial",
  "events": "$D/config_file.events",
  "stats": true,
  "log-level": "info"
}
EOF
vmm_run $T --config "$D/vm.json" --cpus 2
if expect_rc "--config: options from the file, --cpus from the CLI" 0; then
	if out_lines | grep -qx 2 && out_has 'run="nproc' &&
		[ -s "$D/config_file.serial" ] &&
		grep -qs '"event":"exit"' "$D/config_file.events" &&
		err_has 'vmm: stats: exit_code=0' &&
		err_has 'vmm: info:'; then
		pass "--config: options from the file, --cpus from the CLI"
	else
		fail "--config: options from the file, --cpus from the CLI" \
			"guest or files do not show the file's options"
	fi
fi

printf '{\n  "kernel": "%s",\n  "cpu": 2\n}\n' "$KERNEL" >"$D/unknown.json"
bad config_unknown_key 2 "unknown.json:3: unknown key 'cpu'" \
	--config "$D/unknown.json"
printf '{\n"kernel": "%s",\n\n"cpus": [2]\n}\n' "$KERNEL" >"$D/type.json"
bad config_wrong_type 2 'type.json:4: cpus: takes one value, not an array' \
	--config "$D/type.json"
printf '{"kernel": "%s",\n "mem": "3M"}\n' "$KERNEL" >"$D/range.json"
bad config_out_of_range 2 "range.json:2: mem '3M': must be a non-zero" \
	--config "$D/range.json"
printf '{"kernel": "%s"\n "mem": "64M"}\n' "$KERNEL" >"$D/syntax.json"
bad config_syntax 2 'syntax.json:2: not valid JSON' --config "$D/syntax.json"
bad config_missing 2 "--config '$D/none.json': No such file" \
	--config "$D/none.json"

# --- the API on a running guest ----------------------------------------------
# The guest prints a tick a second; pausing must stop the ticks.
T=api
SOCK=$SD/api.sock
EV=$D/api.events
rm -f "$SOCK" "$EV"
cat >"$D/api.json" <<EOF
{ "kernel": "$KERNEL", "initrd": "$INITRD", "mem": "192M", "cpus": 2,
  "cmdline": "quiet run=\"i=0; while true; do echo tick \$i; i=\$((i+1)); sleep 1; done\"",
  "disk": "build/guest/test-disk.ext4,ro" }
EOF
"$VMM" --config "$D/api.json" --api-socket "$SOCK" --events "$EV" \
	</dev/null >"$D/$T.out" 2>"$D/$T.err" &
PID=$!
if wait_event "$EV" boot_complete && [ -S "$SOCK" ]; then
	pass "--api-socket: the socket exists once the guest boots"
	"$VMM" ctl "$SOCK" status >"$D/api.status" 2>&1
	if grep -q '"state": "running"' "$D/api.status" &&
		grep -q '"vcpus": 2' "$D/api.status" &&
		grep -q '"memory_bytes": 201326592' "$D/api.status" &&
		grep -q '"uptime_ms": [1-9]' "$D/api.status" &&
		grep -q '"boot_ms": [1-9]' "$D/api.status"; then
		pass "vmm ctl status: state, vCPUs, memory, uptime, boot time"
	else
		fail "vmm ctl status" "$(tr '\n' ' ' <"$D/api.status")"
	fi
	if [ "$(stat -c %a "$SOCK")" = 600 ]; then
		pass "API socket is mode 0600"
	else
		fail "API socket is mode 0600" "mode $(stat -c %a "$SOCK")"
	fi
	"$VMM" ctl "$SOCK" config >"$D/api.config" 2>&1
	if grep -q '"cpus": 2' "$D/api.config" &&
		grep -q '"mem": 201326592' "$D/api.config" &&
		grep -q "\"api-socket\": \"$SOCK\"" "$D/api.config" &&
		grep -q 'test-disk.ext4,ro"' "$D/api.config"; then
		pass "vmm ctl config: the file's and the CLI's options"
	else
		fail "vmm ctl config" "$(tr '\n' ' ' <"$D/api.config")"
	fi
	"$VMM" ctl "$SOCK" metrics >"$D/api.m1" 2>&1
	m1=$(sed -n 's/.*"exits": \([0-9]*\).*/\1/p' "$D/api.m1" | head -n 1)
	# Paused: no ticks for 4 s. Resumed: ticks again.
	sleep 2
	if "$VMM" ctl "$SOCK" pause >"$D/api.pause" 2>&1 &&
		grep -q '"state": "paused"' "$D/api.pause"; then
		sleep 1
		t1=$(ticks)
		sleep 4
		t2=$(ticks)
		"$VMM" ctl "$SOCK" status >"$D/api.status2" 2>&1
		"$VMM" ctl "$SOCK" pause >"$D/api.pause2" 2>&1
		prc=$?
		"$VMM" ctl "$SOCK" resume >/dev/null 2>&1
		sleep 3
		t3=$(ticks)
		if [ "$t1" = "$t2" ] && [ "$t3" -gt "$t2" ] &&
			grep -q '"state": "paused"' "$D/api.status2" &&
			[ $prc = 1 ] && grep -q '409: the VM is already paused' \
			"$D/api.pause2"; then
			pass "pause stops the guest's clock-driven output; resume restarts it"
		else
			fail "pause/resume" "ticks $t1 $t2 $t3, second pause rc $prc"
		fi
	else
		fail "pause/resume" "$(cat "$D/api.pause")"
	fi
	"$VMM" ctl "$SOCK" metrics >"$D/api.m2" 2>&1
	m2=$(sed -n 's/.*"exits": \([0-9]*\).*/\1/p' "$D/api.m2" | head -n 1)
	if [ -n "$m1" ] && [ -n "$m2" ] && [ "$m2" -gt "$m1" ] &&
		grep -q '"mmio": [1-9]' "$D/api.m2" &&
		grep -q '"tx_bytes": [1-9]' "$D/api.m2" &&
		grep -q '"vda"' "$D/api.m2" &&
		grep -q '"rss_kib": [1-9]' "$D/api.m2"; then
		pass "metrics: per-vCPU exits by reason grow, device counters, RSS"
	else
		fail "metrics" "exits $m1 then $m2"
	fi
	# Bad requests: answered with an error, the guest keeps ticking.
	t1=$(ticks)
	printf 'GARBAGE\r\n\r\n' | $SOCKREQ "$SOCK" >"$D/api.garbage"
	{
		printf 'PUT /v1/vm/pause HTTP/1.1\r\nHost: x\r\n'
		printf 'Content-Length: 100000\r\n\r\n'
		head -c 100000 /dev/zero
	} | $SOCKREQ "$SOCK" >"$D/api.big"
	printf 'GET /v1/vm HTTP/1.1\r\nHost: x\r\n' |
		$SOCKREQ "$SOCK" half-close >"$D/api.half"
	printf 'GET /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		$SOCKREQ "$SOCK" >"$D/api.404"
	sleep 3
	t2=$(ticks)
	"$VMM" ctl "$SOCK" status >"$D/api.status3" 2>&1
	if grep -q 'HTTP/1.1 400' "$D/api.garbage" &&
		grep -q 'HTTP/1.1 413' "$D/api.big" &&
		grep -q 'HTTP/1.1 404' "$D/api.404" &&
		grep -q '"error": *"no such endpoint' "$D/api.404" &&
		[ "$t2" -gt "$t1" ] &&
		grep -q '"state": "running"' "$D/api.status3"; then
		pass "garbage, oversized and half-closed requests: errors, guest unharmed"
	else
		fail "bad requests" "garbage: $(head -c 60 "$D/api.garbage"); big: $(head -c 60 "$D/api.big"); ticks $t1 $t2"
	fi
	"$VMM" ctl "$SOCK" stop >"$D/api.stop" 2>&1
	wait $PID
	RC=$?
	if expect_rc "vmm ctl stop: hard stop, exit 13" 13; then
		if ! [ -e "$SOCK" ] && grep -q '"event":"paused"' "$EV" &&
			grep -q '"event":"resumed"' "$EV" &&
			grep -q '"event":"exit","code":13' "$EV"; then
			pass "vmm ctl stop: exit 13, events, socket removed"
		else
			fail "vmm ctl stop" "socket left or events missing"
		fi
	fi
else
	fail "--api-socket: the socket exists once the guest boots" \
		"no boot_complete event or socket"
	kill -9 $PID 2>/dev/null
	wait $PID
fi

# Shutdown through the API: the power button. The generic kernel's guest
# runs its shutdown path (exit 0); the cloud kernel's cannot hear it, so the
# grace period ends in a hard stop (exit 13). A paused guest is resumed.
GKERNEL=build/guest/Image-generic
GINITRD=build/guest/initramfs-generic.cpio.gz
api_shutdown() { # api_shutdown NAME KERNEL INITRD ARGS...
	T=$1 _k=$2 _i=$3
	shift 3
	rm -f "$SD/$T.sock" "$D/$T.events"
	"$VMM" --kernel "$_k" --initrd "$_i" --mem 256M \
		--cmdline 'quiet run="sleep 600"' --api-socket "$SD/$T.sock" \
		--events "$D/$T.events" "$@" </dev/null >"$D/$T.out" 2>"$D/$T.err" &
	PID=$!
	if wait_event "$D/$T.events" boot_complete; then
		"$VMM" ctl "$SD/$T.sock" pause >/dev/null 2>&1
		"$VMM" ctl "$SD/$T.sock" shutdown >"$D/$T.ctl" 2>&1
		CTL=$?
		"$VMM" ctl "$SD/$T.sock" shutdown >"$D/$T.ctl2" 2>&1
		CTL2=$?
	fi
	wait_exit $PID
}
N="vmm ctl shutdown: the guest's shutdown path runs, exit 0"
if [ ! -f "$GKERNEL" ]; then
	say "skip - $N ($GKERNEL missing: run 'make guest')"
else
	api_shutdown api_graceful "$GKERNEL" "$GINITRD" --shutdown-grace 120
	if expect_rc "$N" 0; then
		if [ "$CTL" = 0 ] && grep -q shutting_down "$D/$T.ctl" &&
			[ "$CTL2" = 1 ] && grep -q 409 "$D/$T.ctl2" &&
			out_has 'VMM_GUEST_SHUTDOWN: power button' &&
			grep -q '"event":"shutdown_requested","reason":"api","how":"power_button"' "$D/$T.events" &&
			grep -q '"event":"guest_poweroff"' "$D/$T.events" &&
			! [ -e "$SD/$T.sock" ]; then
			pass "$N"
		else
			fail "$N" "ctl $CTL/$CTL2, or no shutdown line or events"
		fi
	fi
fi
N="vmm ctl shutdown ignored by the guest: hard stop after the grace, exit 13"
api_shutdown api_forced "$KERNEL" "$INITRD" --shutdown-grace 2
if expect_rc "$N" 13; then
	if grep -q '"event":"shutdown_forced"' "$D/$T.events" &&
		err_has 'did not shut down within 2 s'; then
		pass "$N"
	else
		fail "$N" "no shutdown_forced event or warning"
	fi
fi

# A socket path that another vmm serves is refused; a stale one is reused.
T=api_busy
"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 128M \
	--cmdline 'quiet run="sleep 600"' --api-socket "$SD/busy.sock" \
	</dev/null >/dev/null 2>&1 &
PID=$!
_i=0
while [ $_i -lt 60 ] && ! [ -S "$SD/busy.sock" ]; do
	sleep 1
	_i=$((_i + 1))
done
bad api_socket_in_use 5 "busy.sock': another process serves it" \
	--kernel "$KERNEL" --initrd "$INITRD" --api-socket "$SD/busy.sock"
kill -9 $PID
wait $PID 2>/dev/null
echo data >"$SD/notasocket"
bad api_socket_not_socket 5 "exists and is not a socket" \
	--kernel "$KERNEL" --initrd "$INITRD" --api-socket "$SD/notasocket"
if [ "$(cat "$SD/notasocket")" = data ]; then
	pass "a file at the --api-socket path is left as it was"
else
	fail "a file at the --api-socket path is left as it was" "changed"
fi
# The socket of the vmm killed above is stale now: a new vmm takes it.
T=api_stale
"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --mem 128M \
	--cmdline 'quiet run="true"' --api-socket "$SD/busy.sock" \
	</dev/null >"$D/$T.out" 2>"$D/$T.err"
RC=$?
if expect_rc "a stale API socket is replaced" 0 && ! [ -e "$SD/busy.sock" ]; then
	pass "a stale API socket is replaced, and removed at exit"
fi
rm -rf "$SD"
