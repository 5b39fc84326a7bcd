#!/bin/bash
# Run the unit-test binaries (Check suites) and sum up their results.
#
#   scripts/run-unit-tests.sh BINARY...     (what `make check` runs)
#   VALGRIND=1 scripts/run-unit-tests.sh BINARY...   under valgrind
#
# Each binary runs with CK_FORK=yes, so a test that crashes fails alone.
# Prints each binary's Check summary line (and its whole output when
# anything went wrong), then one line "unit: N passed, M failed" counting
# Check tests over all binaries (errors count as failed). Exits non-zero
# if a test failed, or a binary crashed, reported valgrind errors or did
# not print a Check summary.
set -uo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST-BINARY..." >&2
	exit 2
fi

export CK_FORK=yes
# With SANITIZE=1: UBSan only prints by default; make its findings fail
# the test they happen in, as ASan's do.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
runner=()
if [ "${VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null ||
		{ echo "VALGRIND=1 but valgrind is not installed" >&2; exit 1; }
	runner=(valgrind --error-exitcode=99 --leak-check=full -q)
	# Tests run 10-50x slower under valgrind: stretch Check's timeouts.
	export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
fi

log=$(mktemp "${TMPDIR:-/tmp}/vmm-unit.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

# Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0".
counts='Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)'
passed=0 failed=0 broken=0
for bin in "$@"; do
	name=${bin##*/}
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin: not found or not executable"
		broken=$((broken + 1))
		continue
	fi
	"${runner[@]}" "$bin" >"$log" 2>&1
	rc=$?
	summary=$(grep -E "^[0-9]+%: $counts" "$log" | tail -n 1)
	if ! [[ $summary =~ $counts ]]; then
		cat "$log"
		echo "FAIL: $name: no Check summary (exit status $rc)"
		broken=$((broken + 1))
		continue
	fi
	checks=${BASH_REMATCH[1]} failures=${BASH_REMATCH[2]}
	errors=${BASH_REMATCH[3]}
	bad=$((failures + errors))
	passed=$((passed + checks - bad))
	failed=$((failed + bad))
	if [ "$bad" -ne 0 ] || [ "$rc" -ne 0 ]; then
		cat "$log"
	fi
	echo "$name: $summary"
	# A check that could not run here says so; never hide it.
	grep -F 'SKIPPED:' "$log"
	if [ "$bad" -eq 0 ] && [ "$rc" -ne 0 ]; then
		# Every test passed, yet the binary failed: valgrind or a
		# sanitizer found something outside the tests (a leak at exit).
		echo "FAIL: $name: exit status $rc with every test passing"
		broken=$((broken + 1))
	fi
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$broken" -eq 0 ]
