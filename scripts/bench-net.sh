#!/bin/bash
# Network benchmark: guest->host and host->guest TCP throughput over a
# virtio-net NIC on a tap, with vhost off and on. Prints figures, asserts
# nothing. Runs scripts/bench-net-inner.sh on an arm64 KVM host, emulated
# when this machine is not one; there everything is ~100x slower than on
# hardware, so compare the two paths only as ratios taken in the same run,
# and look at the counted figures (exits and interrupts per MiB) too.
#
#   scripts/bench-net.sh [RUNS]   (default 3; also VMM_BENCH_RUNS)
#   VMM_BENCH_NET_MIB=16          MiB moved each way per run
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
export VMM_BENCH_RUNS=${1:-${VMM_BENCH_RUNS:-3}}
export VMM_BENCH_NET_MIB=${VMM_BENCH_NET_MIB:-16}
exec scripts/arm64-host.sh --timeout 3000 -- sh scripts/bench-net-inner.sh </dev/null
