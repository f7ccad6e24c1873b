#!/usr/bin/env bash
# Run ON THE GPU MACHINE (after scripts/device/pack.sh here; the bundle carried), as part of a
# device call: where the time of the slowest issue-3 kernels goes, and a memory check of the GPU
# tests. Writes $OUT/ncu.txt (Nsight Compute: speed of light, occupancy, launch statistics and
# warp stall reasons of one launch of each kernel, in the middle of its benchmark loop) and
# $OUT/memcheck.txt (compute-sanitizer's memcheck over the CUDA tests named by
# CALDERA_MEMCHECK_FILTER). Needs Nsight Compute's counters (Firecracker machines have them; on
# gVisor ncu says it cannot load its library) and says so when they are missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/unpack.sh
OUT="${OUT:-$PWD/out/device}"
mkdir -p "$OUT"
bundle="$PWD/.device-bundle"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
bin="$bundle/bin"
tool() { command -v "$1" 2>/dev/null || ls /opt/nvidia/nsight-compute/*/"$1" /usr/local/cuda/bin/"$1" 2>/dev/null | head -1; }
ncu_bin=$(tool ncu)
sanitizer=$(tool compute-sanitizer)

# kernel name pattern | benchmark filter (caldera bench --filter: a substring of the group or of
# the name a benchmark function checks before it runs: "sobel" and "canny" run all their rows) |
# launches per call (optional, 1: the profiled launches are those of the 11th call - the first
# row's). CALDERA_PROFILE_KERNELS replaces the list: entries like these, separated by ';'.
# CALDERA_PROFILE_SKIP_CALLS (10) is how many calls go by first: 121 reaches the second row of a
# benchmark function whose rows take 10 warm-up calls, 100 timed and one for the comparison.
kernels=(
  "fast8_kernel|gaussian gray8 3x3"
  "fast_kernel|sobel"
  "classify_kernel|label_kernel|cross_kernel|resolve_kernel|canny|4"
  "fused_forward_kernel|p010 hdr10->nv12 bt2390 fused, fixed peak"
)
if [ -n "${CALDERA_PROFILE_KERNELS:-}" ]; then IFS=';' read -r -a kernels <<<"$CALDERA_PROFILE_KERNELS"; fi
: > "$OUT/ncu.txt"
if [ -z "$ncu_bin" ]; then
  echo "ncu not found" | tee -a "$OUT/ncu.txt"
else
  for entry in "${kernels[@]}"; do
    # The last field is a launch count when it is a number; the one before it the filter.
    count=1
    if [[ "${entry##*|}" =~ ^[0-9]+$ ]]; then count=${entry##*|}; entry=${entry%|*}; fi
    f=${entry##*|} k=${entry%|*}
    echo "=== $k (caldera bench --filter '$f', $count launches)" >> "$OUT/ncu.txt"
    timeout 120 "$ncu_bin" --clock-control none -k "regex:$k" --launch-skip $((${CALDERA_PROFILE_SKIP_CALLS:-10} * count)) --launch-count "$count" \
      --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats \
      --section MemoryWorkloadAnalysis --section SchedulerStats \
      "$bin/caldera" bench --filter "$f" >> "$OUT/ncu.txt" 2>&1 || echo "ncu: exit $?" >> "$OUT/ncu.txt"
  done
fi
: > "$OUT/memcheck.txt"
if [ -z "$sanitizer" ]; then
  echo "compute-sanitizer not found" | tee -a "$OUT/memcheck.txt"
else
  export CALDERA_TEST_MEDIA="$bundle/media"
  timeout "${CALDERA_MEMCHECK_TIMEOUT_S:-240}" "$sanitizer" --tool memcheck --error-exitcode 3 --print-limit 20 \
    "$bin/caldera_tests" --gtest_brief=1 --gtest_filter="${CALDERA_MEMCHECK_FILTER:-*Cuda*:GpuDecode.*:PipelineGpu.*}" \
    >> "$OUT/memcheck.txt" 2>&1
  echo "memcheck: exit $? (3: errors found, 124: out of time)" >> "$OUT/memcheck.txt"
fi
grep -E "^===|Duration|Memory Throughput|DRAM Throughput|Achieved Occupancy|Registers Per|Compute \(SM\) Throughput|ncu:" "$OUT/ncu.txt" | head -60
tail -5 "$OUT/memcheck.txt"
