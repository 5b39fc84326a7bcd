#!/bin/bash
# The whole test suite, set-up included (what CI runs through .ci/run):
#   1. scripts/setup.sh: installs packages, fetches Debian's arm64 kernel,
#      busybox, libfdt and zlib, builds the guest and emulated-host images;
#   2. builds vmm with -Werror, and again with ASan+UBSan (for the
#      hostile-guest test);
#   3. unit tests (Check), then again under ASan+UBSan; a 60 s libFuzzer
#      run of each fuzz target;
#   4. integration tests: real guests booted by vmm on an arm64 KVM host
#      (emulated with QEMU when this machine is not one).
# Ends with one line "total: N passed, M failed, K skipped"; exits non-zero
# on any failure.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO" || exit 1
LOG=build/test-logs
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

$SUDO scripts/setup.sh || { echo "total: 0 passed, 1 failed, 0 skipped"; exit 1; }
mkdir -p "$LOG"

pass=0 fail=0 skip=0
count() { # count LOGFILE: add the "N passed, M failed[, K skipped]" line
	local line
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
	fail=$((fail + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
	if grep -q skipped <<<"$line"; then
		skip=$((skip + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")))
	fi
}
step() { # step NAME COMMAND...: run, keep the log, count its results
	local name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$LOG/$name.log"
	local rc=${PIPESTATUS[0]}
	if grep -qE '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$LOG/$name.log"; then
		count "$LOG/$name.log"
		# A runner that exits non-zero with no failure counted still fails.
		if [ "$rc" != 0 ] && ! grep -qE ' [1-9][0-9]* failed' "$LOG/$name.log"; then
			fail=$((fail + 1))
		fi
	elif [ "$rc" != 0 ]; then
		echo "$name: failed (exit $rc)"
		fail=$((fail + 1))
	fi
}

step build make -j2 WERROR=1 vmm
step build-sanitized make -j2 WERROR=1 SANITIZE=1 vmm
step unit make -j2 WERROR=1 check
step unit-sanitized make -j2 WERROR=1 SANITIZE=1 check
step fuzz make --no-print-directory fuzz-smoke
step integration make --no-print-directory integration

echo "total: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
