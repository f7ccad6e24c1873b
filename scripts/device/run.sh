#!/usr/bin/env bash
# Run ON THE GPU MACHINE, as the device tool's one command, from the repository root:
#   bash scripts/device/run.sh            (with .device-bundle carried; see scripts/device/pack.sh)
# Builds the NPP peer plugin against the machine's NPP, runs every GPU test, the main job on
# the GPU against the CPU, and `caldera bench`, and writes logs and tables under $OUT.
# CALDERA_TESTS_FILTER / CALDERA_BENCH_FILTER narrow what runs; CALDERA_SKIP_BENCH=1 skips it,
# CALDERA_SKIP_PIPELINE_BENCH=1 the pipeline benchmark, CALDERA_SKIP_VIDEO_BENCH=1 the video one, CALDERA_SKIP_SR=1
# the super-resolution run (the real-model tests still use the carried models).
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/unpack.sh
OUT="${OUT:-$PWD/out/device}"
mkdir -p "$OUT"
bundle="$PWD/.device-bundle"
log="$OUT/run.log"
: > "$log"
say() { echo "== $*" | tee -a "$log"; }

if [ ! -x "$bundle/bin/caldera" ]; then
  say "no .device-bundle: run scripts/device/pack.sh on the development machine and carry .device-bundle"
  exit 2
fi
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
bin="$bundle/bin"
say "bundle built from commit $(cat "$bundle/commit" 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv >>"$log" 2>&1
"$bin/caldera" info 2>&1 | tee -a "$log"

# NPP peer plugin: compiled here against this machine's NPP headers.
say "building the NPP peer plugin"
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
npp_inc=$(dirname "$(find "$cuda_home/include" /usr/include /usr/local/lib/python3*/dist-packages/nvidia -name nppi.h 2>/dev/null | head -1)" 2>/dev/null)
npp_lib=$(dirname "$(find "$cuda_home/lib64" "$cuda_home/lib" /usr/lib/x86_64-linux-gnu /usr/local/lib/python3*/dist-packages/nvidia -name 'libnppc.so*' 2>/dev/null | head -1)" 2>/dev/null)
build_peer() {  # $1: CALDERA_NPP_FILTERS (the filter calls of issue 3, in libnppif) on or off
  local filters=()
  [ "$1" = 1 ] && filters=(-lnppif)
  g++ -std=c++17 -O2 -shared -fPIC -DCALDERA_NPP_FILTERS="$1" -I"$npp_inc" -I"$cuda_home/include" -Ibench \
    bench/peers/npp_peer.cpp -L"$npp_lib" -L"$cuda_home/lib64" -Wl,-rpath,"$npp_lib" \
    -lnppicc -lnppig -lnppidei -lnppial ${filters[@]+"${filters[@]}"} -lnppc -lcudart -o "$bin/libcaldera_npp_peer.so" >>"$log" 2>&1
}
if [ -n "$npp_inc" ] && [ -n "$npp_lib" ]; then
  if build_peer 1; then
    say "NPP peer built (NPP libraries in $npp_lib)"
  elif build_peer 0; then
    say "NPP peer built WITHOUT the issue-3 calls (Canny, Gauss, Sobel, box, bilateral, 3D LUT): they failed to compile, see run.log"
  else
    say "NPP peer failed to build: see run.log; bench runs without NPP"
  fi
else
  say "NPP not found on this machine: bench runs without NPP"
fi

# The nvJPEG plugin: compiled here against this machine's nvJPEG (the development machine has no
# nvjpeg.h); Caldera loads it from beside the caldera command.
nvjpeg_inc=$(dirname "$(find "$cuda_home/include" /usr/include /usr/local/lib/python3*/dist-packages/nvidia -name nvjpeg.h 2>/dev/null | head -1)" 2>/dev/null)
nvjpeg_lib=$(dirname "$(find "$cuda_home/lib64" "$cuda_home/lib" /usr/lib/x86_64-linux-gnu /usr/local/lib/python3*/dist-packages/nvidia -name 'libnvjpeg.so*' 2>/dev/null | head -1)" 2>/dev/null)
if [ -n "$nvjpeg_inc" ] && [ -n "$nvjpeg_lib" ] &&
   g++ -std=c++17 -O2 -shared -fPIC -I"$nvjpeg_inc" -I"$cuda_home/include" src/io/nvjpeg/nvjpeg_plugin.cpp      -L"$nvjpeg_lib" -L"$cuda_home/lib64" -Wl,-rpath,"$nvjpeg_lib" -lnvjpeg -lcudart -o "$bin/libcaldera_nvjpeg.so" >>"$log" 2>&1; then
  say "nvJPEG plugin built (nvJPEG in $nvjpeg_lib)"
else
  say "nvJPEG plugin not built (nvjpeg.h or libnvjpeg missing, or the build failed: see run.log); JPEGs decode on the CPU"
fi
# The GPU tests read their video media from the bundle (this machine has no ffmpeg command).
export CALDERA_TEST_MEDIA="$bundle/media"

# GPU tests: the suite in shards run side by side (each shard is one process on the one GPU;
# the CPU references are what takes time).
say "GPU tests"
shards=${CALDERA_TEST_SHARDS:-8}
filter="${CALDERA_TESTS_FILTER:-*}"
pids=()
for i in $(seq 0 $((shards - 1))); do
  [ -x "$bin/caldera_tests" ] || break
  # A bound on each shard, so that a hanging test still leaves the logs inside the device call.
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i timeout "${CALDERA_TEST_TIMEOUT_S:-420}" \
    "$bin/caldera_tests" --gtest_filter="$filter" \
    --gtest_brief=1 > "$OUT/shard$i.txt" 2>&1 &
  pids+=($!)
done
test_rc=0
for p in "${pids[@]}"; do wait "$p" || test_rc=1; done
cat "$OUT"/shard*.txt > "$OUT/tests.log" 2>/dev/null; rm -f "$OUT"/shard*.txt
if [ -x "$bin/caldera_peer_tests" ]; then
  "$bin/caldera_peer_tests" --gtest_brief=1 >> "$OUT/tests.log" 2>&1 || test_rc=1
fi
# gtest's brief output: "[  PASSED  ] N tests." per process, one "[  FAILED  ] Suite.Test" line per
# failure (listed twice), "[  SKIPPED ] N tests, listed below:" per process.
passed=$(grep -oE '^\[  PASSED  \] [0-9]+' "$OUT/tests.log" | awk '{s += $NF} END {print s + 0}')
failed=$(grep -E '^\[  FAILED  \] [A-Za-z_0-9/]+\.' "$OUT/tests.log" | awk '{print $4}' | sort -u | wc -l)
skipped=$(grep -oE '^\[  SKIPPED \] [0-9]+' "$OUT/tests.log" | awk '{s += $NF} END {print s + 0}')
grep -E '^\[  (FAILED|SKIPPED) \]|Failure|error' "$OUT/tests.log" | head -60 | tee -a "$log"
say "tests: rc=$test_rc; summary lines: $(grep -h 'PASSED\|FAILED TEST' "$OUT/tests.log" | tr '\n' ' ')"

# The main job on the GPU and on the CPU: both must give the same output (within rounding).
say "main job, GPU vs CPU"
mkdir -p out/job
for dev in cuda cpu; do
  "$bin/caldera" run -i examples/clip.y4m -o "out/job/clip_$dev.y4m" --device "$dev" \
    --vf "resize=w=1280:h=720:interp=bicubic,convert=nv12,resize=w=640:h=360:interp=area,convert=i420" 2>&1 | tee -a "$log"
  "$bin/caldera" run -i examples/sample.png -o "out/job/sample_$dev.png" --device "$dev" \
    --vf "resize=w=960:h=540:interp=lanczos3,flip=h,letterbox=w=1024:h=1024" 2>&1 | tee -a "$log"
done
env -u LD_LIBRARY_PATH python3 - "$log" <<'PY' 2>&1 | tee -a "$log"
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open("out/job/sample_cuda.png")).astype(int)
b = np.asarray(Image.open("out/job/sample_cpu.png")).astype(int)
print(f"sample png: max |cuda - cpu| = {np.abs(a - b).max()}, differing samples {np.count_nonzero(a != b)} of {a.size}")
ya = open("out/job/clip_cuda.y4m", "rb").read(); yb = open("out/job/clip_cpu.y4m", "rb").read()
d = np.abs(np.frombuffer(ya, np.uint8).astype(int) - np.frombuffer(yb, np.uint8).astype(int)) if len(ya) == len(yb) else None
print("clip y4m: " + ("sizes differ" if d is None else f"max |cuda - cpu| = {d.max()}, differing bytes {np.count_nonzero(d)} of {d.size}"))
PY

# The neural engine's super-resolution run (scripts/device/run_sr.sh: the photograph on GPU vs CPU
# and vs PyTorch, frames/s at batch 1 and 4 beside PyTorch eager and torch.compile) where models
# were carried (in the bundle: CALDERA_BUNDLE_MODELS at pack time). Here with a shorter budget, since the tests and
# the operator benchmarks share the call; run_sr.sh alone gives it the whole call.
model_dir="${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}"
if [ "${CALDERA_SKIP_SR:-0}" != 1 ] && ls "$model_dir"/*.param >/dev/null 2>&1; then
  say "super-resolution (scripts/device/run_sr.sh)"
  OUT="$OUT" CALDERA_MODEL_DIR="$model_dir" CALDERA_SR_BUDGET_S="${CALDERA_SR_BUDGET_S:-200}" \
    bash scripts/device/run_sr.sh 2>&1 | tail -40 | tee -a "$log"
fi

if [ "${CALDERA_SKIP_VIDEO_BENCH:-0}" != 1 ]; then
  say "video: decode and the whole job, Caldera against the FFmpeg command line"
  bash scripts/device/video_bench.sh "$OUT" 2>&1 | tee -a "$log"
fi

# The pipeline: each job run synchronously and pipelined, and its halves alone (frames/s, GPU
# busy from NVML, also after the first frame out; each stage's own rate): (a) PNG writers,
# (b) x264, (c) the sr model when carried.
if [ "${CALDERA_SKIP_PIPELINE_BENCH:-0}" != 1 ]; then
  say "pipeline benchmark"
  env -u LD_LIBRARY_PATH CALDERA_LD_LIBRARY_PATH="$LD_LIBRARY_PATH" timeout 400 python3 scripts/bench_pipeline.py \
    --caldera "$bin/caldera" --device cuda --out "$OUT/pipeline-bench" --frames "${CALDERA_PIPELINE_FRAMES:-240}" \
    --writers "${CALDERA_PIPELINE_WRITERS:-12}" --reps 2 2>&1 | tee -a "$log"
  rm -rf "$OUT/pipeline-bench/frames" "$OUT/pipeline-bench"/*.y4m "$OUT/pipeline-bench"/*.mp4 "$OUT/pipeline-bench"/*.raw
  # The device tool brings back 8 files: the tables stay, the per-run stats travel as one archive.
  cp "$OUT/pipeline-bench/pipeline_bench.md" "$OUT/" 2>/dev/null
  tar -C "$OUT" -czf "$OUT/pipeline-bench.tar.gz" pipeline-bench && rm -rf "$OUT/pipeline-bench"
fi

if [ "${CALDERA_SKIP_BENCH:-0}" != 1 ]; then
  # CALDERA_BENCH_FILTER: one filter, or several separated by commas (their tables go into one
  # bench.md; the JSON is written for a single filter only).
  IFS=, read -r -a bench_filters <<< "${CALDERA_BENCH_FILTER:-}"
  [ ${#bench_filters[@]} -eq 0 ] && bench_filters=("")
  if [ ${#bench_filters[@]} -eq 1 ]; then
    say "caldera bench"
    CALDERA_NPP_PEER="$bin/libcaldera_npp_peer.so" "$bin/caldera" bench --filter "${bench_filters[0]}" \
      --markdown "$OUT/bench.md" --json "$OUT/bench.json" 2>&1 | tee -a "$log"
  else
    : > "$OUT/bench.md"
    for f in "${bench_filters[@]}"; do
      say "caldera bench --filter '$f'"
      CALDERA_NPP_PEER="$bin/libcaldera_npp_peer.so" "$bin/caldera" bench --filter "$f" \
        --markdown "$OUT/bench_part.md" 2>&1 | tee -a "$log"
      cat "$OUT/bench_part.md" >> "$OUT/bench.md" 2>/dev/null; rm -f "$OUT/bench_part.md"
    done
  fi
fi
say "done: tests passed=$passed failed=$failed skipped=$skipped (rc $test_rc)"
exit $test_rc
