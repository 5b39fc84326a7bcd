#!/bin/bash
# Run each libFuzzer target for a while, starting from its seed corpus in
# tests/fuzz/corpus/<name>/ (new inputs it finds go to build/fuzz/corpus-
# <name>/, never into the repository), and report executions and crashes.
#
#   scripts/run-fuzz.sh SECONDS BINARY...
#
# Ends with "fuzz: N passed, M failed" (a target passes when it ran the
# whole time without a crash, leak, timeout or sanitizer report); a crash
# leaves its input in build/fuzz/crash-<name>-* to reproduce with
# `build/fuzz/<name> FILE`.
set -uo pipefail
secs=${1:?seconds}
shift
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	short=${name#fuzz_}
	seeds=tests/fuzz/corpus/$short
	work=build/fuzz/corpus-$short
	mkdir -p "$work"
	log=build/fuzz/$name.log
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="build/fuzz/crash-$short-" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ $rc = 0 ]; then
		echo "$name: ${execs:-?} executions in ${secs}s, 0 crashes"
		pass=$((pass + 1))
	else
		echo "$name: FAILED (exit $rc) after ${execs:-?} executions; see $log"
		grep -E 'ERROR|SUMMARY|crash-' "$log" | head -n 5
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
