#!/bin/bash
# Benchmark: boot the default guest with vmm and print figures (not a test:
# nothing is asserted). Runs scripts/bench-inner.sh on an arm64 KVM host,
# emulated when this machine is not one. In the emulated host everything is
# ~100x slower than on hardware: compare figures only as ratios taken in
# the same run, and prefer the counted ones (exits, bytes, RSS).
#
#   scripts/bench.sh [RUNS]      (default 5; also VMM_BENCH_RUNS)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
export VMM_BENCH_RUNS=${1:-${VMM_BENCH_RUNS:-5}}
exec scripts/arm64-host.sh --timeout 3000 -- sh scripts/bench-inner.sh </dev/null
