# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- many microVMs at once, as a launching script would ------------------------
# VMM_ITEST_MANY VMs start in parallel, each with its own API socket and
# event file; the script waits for every boot_complete, shuts them all down
# through the API, and checks every exit code and that nothing is left.
MANY=${VMM_ITEST_MANY:-20}
MK=build/guest/Image-generic
MI=build/guest/initramfs-generic.cpio.gz
MD=$(mktemp -d /tmp/vmm-many.XXXXXX)
N="$MANY VMs in parallel: all boot, all shut down through the API, exit 0"
if [ ! -f "$MK" ]; then
	say "skip - $N ($MK missing: run 'make guest')"
else
	pids=
	i=0
	while [ $i -lt "$MANY" ]; do
		"$VMM" --kernel "$MK" --initrd "$MI" --mem 96M \
			--cmdline 'quiet run="sleep 3600"' \
			--api-socket "$MD/vm$i.sock" --events "$MD/vm$i.events" \
			--shutdown-grace 300 </dev/null >"$MD/vm$i.out" \
			2>"$MD/vm$i.err" &
		pids="$pids $!"
		i=$((i + 1))
	done
	# Every VM reports boot_complete (10 min at most for all of them).
	t=0
	while [ $t -lt 600 ]; do
		booted=$(grep -l '"event":"boot_complete"' "$MD"/vm*.events 2>/dev/null | wc -l)
		[ "$booted" -ge "$MANY" ] && break
		sleep 2
		t=$((t + 2))
	done
	i=0
	while [ $i -lt "$MANY" ]; do
		"$VMM" ctl "$MD/vm$i.sock" shutdown >/dev/null 2>&1
		i=$((i + 1))
	done
	good=0
	bad_codes=
	i=0
	for p in $pids; do
		wait "$p"
		rc=$?
		if [ $rc = 0 ] && grep -q '"event":"exit","code":0' "$MD/vm$i.events"; then
			good=$((good + 1))
		else
			bad_codes="$bad_codes vm$i:$rc"
		fi
		i=$((i + 1))
	done
	left=$(ls "$MD"/*.sock 2>/dev/null | wc -l)
	procs=$(ps -o comm 2>/dev/null | grep -c '^vmm$')
	if [ "$booted" = "$MANY" ] && [ $good = "$MANY" ] && [ "$left" = 0 ] &&
		[ "$procs" = 0 ]; then
		pass "$N (booted in ${t}s)"
	else
		fail "$N" "booted $booted, exit 0: $good, bad:$bad_codes, sockets left $left, vmm processes $procs"
		for f in "$MD"/vm0.err "$MD"/vm0.out; do tail -n 5 "$f"; done
	fi
fi
rm -rf "$MD"
