#!/bin/bash
# Benchmark: vmm against QEMU on the same guest, in the same run (not a
# test: nothing is asserted). Runs scripts/bench-inner.sh on an arm64 KVM
# host, emulated when this machine is not one. In the emulated host
# everything is ~100x slower than on hardware: compare figures only as
# ratios taken in the same run, and prefer the counted ones (exits, RSS).
# QEMU is Debian's arm64 qemu-system-aarch64, fetched with its libraries by
# scripts/fetch-qemu.sh (skipped when that fails: vmm's figures only).
#
#   scripts/bench.sh [RUNS]      (default 5; also VMM_BENCH_RUNS)
#
# Results: build/results/results.md (the tables) and results.png (a chart,
# when gnuplot is installed); docs/results.md holds the last published run.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
export VMM_BENCH_RUNS=${1:-${VMM_BENCH_RUNS:-5}}
D=build/bench
OUT=build/results
mkdir -p "$D" "$OUT"

# A guest that powers off at its first instruction: an arm64 Image header
# whose code is PSCI SYSTEM_OFF (x0 = 0x84000008; hvc #0).
le32() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 24 & 255)))"; }
{
    le32 0x14000010; le32 0            # b 0x40
    le32 0; le32 0                     # text_offset
    le32 0x10000; le32 0               # image_size 64 KiB
    le32 0xa; le32 0                   # flags: LE, 4K pages, anywhere
    le32 0; le32 0; le32 0; le32 0; le32 0; le32 0
    le32 0x644d5241; le32 0            # "ARM\x64"
    le32 0x52800100                    # mov w0, #0x8
    le32 0x72b08000                    # movk w0, #0x8400, lsl #16
    le32 0xd4000002                    # hvc #0
    le32 0x14000000                    # b .
} >"$D/poweroff.Image"

scripts/fetch-qemu.sh || echo "bench: no QEMU (scripts/fetch-qemu.sh failed): vmm only" >&2
scripts/arm64-host.sh --timeout 3000 -- sh scripts/bench-inner.sh </dev/null
cp "$D/results.md" "$OUT/results.md"
if command -v gnuplot >/dev/null && [ -s "$D/chart.dat" ]; then
    gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$OUT/results.png"
set title "vmm vs QEMU, same guest, same run (medians; log scale; lower is better)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set datafile missing "-"
set key top left
set xtics rotate by -15
set yrange [0.5:*]
plot "$D/chart.dat" using 2:xtic(1) title "QEMU", "" using 3 title "vmm"
GP
    echo "bench: chart in $OUT/results.png"
fi
echo "bench: tables in $OUT/results.md"
