#!/bin/bash
# Integration tests: boot real guests with the real vmm binary.
#
# On an arm64 machine with /dev/kvm, suite.sh runs directly; elsewhere it
# runs inside one boot of the emulated arm64 KVM host (scripts/arm64-host.sh),
# so the whole suite pays for that host's boot once. Host-side checks that
# need tools the emulated host lacks (dtc) run here afterwards.
#
# Arguments choose sections of the suite (tests/integration/tNN-NAME.sh by
# NAME, e.g. "run.sh virtio-blk dtb"); none runs them all.
#
# Prints one line per test and ends with "integration: N passed, M failed,
# K skipped"; exits non-zero if anything failed or the suite did not finish.
# A run that the emulated host broke (tests/integration/suite.sh,
# clock_fault and hung_at_limit) is repeated once and counted on a line of
# its own.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$REPO" || exit 1
export VMM_ITEST_DIR=build/itest
rm -rf "$VMM_ITEST_DIR"
mkdir -p "$VMM_ITEST_DIR"

for f in build/arm64/vmm build/guest/Image build/guest/Image.gz \
	build/guest/initramfs.cpio.gz build/guest/test-disk.ext4; do
	if [ ! -f "$f" ]; then
		echo "integration: $f missing (run 'make' and 'make guest')" >&2
		echo "integration: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
done

# Inside: suite.sh writes its results to $VMM_ITEST_DIR/results.
scripts/arm64-host.sh --timeout "${VMM_ITEST_TIMEOUT:-2700}" -- \
	sh tests/integration/suite.sh "$@" </dev/null
rc=$?

results=$VMM_ITEST_DIR/results
[ -f "$results" ] || : >"$results"

# --dump-dtb: the blob the suite dumped must read back cleanly with dtc.
dtb=$VMM_ITEST_DIR/dump.dtb
if [ $# -gt 0 ] && ! [[ " $* " == *" dtb "* ]]; then
	: # the dtb section was not chosen
elif ! command -v dtc >/dev/null; then
	echo "skip - dump-dtb readable by dtc (dtc not installed)" | tee -a "$results"
elif [ ! -s "$dtb" ]; then
	echo "not ok - dump-dtb readable by dtc (no $dtb)" | tee -a "$results"
elif dts=$(dtc -I dtb -O dts "$dtb" 2>"$VMM_ITEST_DIR/dtc.err") &&
	! [ -s "$VMM_ITEST_DIR/dtc.err" ] &&
	grep -q 'compatible = "ns16550a"' <<<"$dts" &&
	grep -q 'enable-method = "psci"' <<<"$dts" &&
	grep -q 'compatible = "arm,pl031' <<<"$dts" &&
	grep -q 'compatible = "arm,pl061' <<<"$dts" &&
	grep -q 'compatible = "gpio-keys"' <<<"$dts" &&
	grep -q 'linux,code = <0x74>' <<<"$dts" &&
	grep -q 'linux,initrd-start' <<<"$dts"; then
	echo "ok - dump-dtb readable by dtc without warnings" | tee -a "$results"
else
	echo "not ok - dump-dtb readable by dtc without warnings" | tee -a "$results"
	cat "$VMM_ITEST_DIR/dtc.err"
fi

# The file the guest wrote into the ext4 disk, read from outside with debugfs.
img=$VMM_ITEST_DIR/fs-after-write.ext4
if [ -f "$img" ]; then
	if ! command -v debugfs >/dev/null; then
		echo "skip - ext4 write seen from the host (debugfs not installed)" | tee -a "$results"
	elif debugfs -R "cat /new.txt" "$img" 2>/dev/null | grep -qx written-by-guest; then
		echo "ok - ext4 write by the guest is in the image (debugfs)" | tee -a "$results"
	else
		echo "not ok - ext4 write by the guest is in the image (debugfs)" | tee -a "$results"
	fi
fi

pass=$(grep -c '^ok ' "$results")
fail=$(grep -c '^not ok ' "$results")
skip=$(grep -c '^skip ' "$results")
if [ "$rc" != 0 ]; then
	echo "integration: the suite did not finish (exit $rc)"
	fail=$((fail + 1))
fi
reruns=$(grep -c '^# rerun ' "$results")
if [ "$reruns" != 0 ]; then
	echo "integration: $reruns run(s) repeated after the emulated host broke the guest's clock or hung it (see '# rerun' above)"
fi
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
