#!/usr/bin/env bash
# Run ON THE GPU MACHINE, as one device call, from the repository root (carrying .device-bundle
# and .models; see below):
#   CALDERA_MODEL_DIR=$PWD/.models bash scripts/device/run_sr.sh
# The neural engine's super-resolution measurements in one run, for every model in the model
# directory (or those named in CALDERA_SR_MODELS):
#   1. correctness: the real photograph (examples/photo_chelsea.png) area-downscaled by the model's
#      factor, super-resolved on the GPU (fp16) and on the CPU (fp32 reference); PSNR between
#      them, and PyTorch's fp32 rebuild of the network on the same input against the GPU output;
#   2. `caldera bench --filter sr`: frames/s at batch 1 and 4 (960x540 -> x4, 1920x1080 -> x2,
#      1280x720 -> x3) and device memory;
#   3. scripts/device/torch_srvgg.py: the same networks in PyTorch, eager fp16 channels-last and
#      torch.compile, batch 1 and 4, max_memory_allocated.
# Writes $OUT/sr.md (all tables), sr_bench.md / sr_bench.json, torch_<model>.txt, sr.jsonl.
#
# Carrying: the models travel inside the bundle: `CALDERA_BUNDLE_MODELS=all bash
# scripts/device/pack.sh` here (the bundle is an xz archive; with all five models it stays inside
# the device tool's 64 MiB), and they become the model directory there (scripts/device/unpack.sh).
# CALDERA_SR_BUDGET_S (default 540) bounds the whole run: torch.compile rows that would start past
# it are skipped and say so. CALDERA_SR_COMPILE_MODE overrides the compile mode (default:
# max-autotune-no-cudagraphs for SRVGG, default for RRDB, whose autotuning takes longer than a
# device call allows).
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/unpack.sh
OUT="${OUT:-$PWD/out/device}"
mkdir -p "$OUT" out/sr
bundle="$PWD/.device-bundle"
log="$OUT/sr.log"
: > "$log"
say() { echo "== $*" | tee -a "$log"; }
budget=${CALDERA_SR_BUDGET_S:-540}
model_dir="${CALDERA_MODEL_DIR:-$PWD/.device-bundle/models}"
export CALDERA_MODEL_DIR="$model_dir"

if [ ! -x "$bundle/bin/caldera" ]; then
  say "no .device-bundle: run scripts/device/pack.sh on the development machine and carry .device-bundle"
  exit 2
fi
bin="$bundle/bin"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "bundle built from commit $(cat "$bundle/commit" 2>/dev/null); models in $model_dir"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >>"$log" 2>&1

models=()
for m in ${CALDERA_SR_MODELS:-realesr-animevideov3-x4 realesr-animevideov3-x2 realesr-animevideov3-x3 realesrgan-x4plus-anime realesrgan-x4plus}; do
  if [ -f "$model_dir/$m.param" ] && [ -f "$model_dir/$m.bin" ]; then models+=("$m"); else say "$m: not in $model_dir, skipped"; fi
done
if ((${#models[@]} == 0)); then say "no model to run"; exit 2; fi
export CALDERA_SR_MODELS="${models[*]}"

factor_of() { case "$1" in *-x2) echo 2 ;; *-x3) echo 3 ;; *) echo 4 ;; esac; }
size_of() { case "$1" in *-x2) echo "1920 1080" ;; *-x3) echo "1280 720" ;; *) echo "960 540" ;; esac; }

# 1. Correctness on the photograph: GPU vs CPU, and PyTorch vs GPU.
say "correctness on examples/photo_chelsea.png"
for m in "${models[@]}"; do
  f=$(factor_of "$m")
  w=$((448 / f)); h=$((300 / f))
  "$bin/caldera" run -i examples/photo_chelsea.png -o "out/sr/small_x$f.png" --vf "resize=w=$w:h=$h:interp=area" >>"$log" 2>&1
  for dev in cuda cpu; do
    "$bin/caldera" run -i "out/sr/small_x$f.png" -o "out/sr/${m}_$dev.png" --device "$dev" --vf "sr=model=$m" 2>&1 | tee -a "$log"
  done
  env -u LD_LIBRARY_PATH python3 - "$m" <<'PY' 2>&1 | tee -a "$log"
import sys
import numpy as np
from PIL import Image
m = sys.argv[1]
a = np.asarray(Image.open(f"out/sr/{m}_cuda.png")).astype(float)
b = np.asarray(Image.open(f"out/sr/{m}_cpu.png")).astype(float)
mse = ((a - b) ** 2).mean()
print(f"{m}: GPU fp16 vs CPU fp32 on the photograph: PSNR {10 * np.log10(255 ** 2 / mse) if mse else float('inf'):.1f} dB, "
      f"max |diff| {np.abs(a - b).max():.0f}")
PY
done

# 2. Caldera's frames/s and memory, every model and batch in one process.
say "caldera bench --filter sr"
"$bin/caldera" bench --filter sr --markdown "$OUT/sr_bench.md" --json "$OUT/sr_bench.json" 2>&1 | tee -a "$log"

# 3. PyTorch: the same networks from the same weights (CALDERA_SKIP_TORCH=1 leaves it out).
: > "$OUT/sr.jsonl"
[ "${CALDERA_SKIP_TORCH:-0}" = 1 ] && models_torch=() || models_torch=("${models[@]}")
for m in "${models_torch[@]}"; do
  left=$((budget - SECONDS))
  if ((left < 30)); then say "torch $m: skipped (the run's budget of ${budget} s is spent)"; continue; fi
  read -r w h <<<"$(size_of "$m")"
  mode="${CALDERA_SR_COMPILE_MODE:-}"
  if [ -z "$mode" ]; then case "$m" in realesrgan-*) mode=default ;; *) mode=max-autotune-no-cudagraphs ;; esac; fi
  f=$(factor_of "$m")
  say "torch $m ($w x $h, compile mode $mode, ${left} s left)"
  env -u LD_LIBRARY_PATH PYTHONUNBUFFERED=1 timeout "$left" python3 scripts/device/torch_srvgg.py "$model_dir/$m" \
    --width "$w" --height "$h" --batches 1,4 --compile-mode "$mode" --budget-s "$((left - 20))" \
    --compare-png "out/sr/small_x$f.png" "out/sr/${m}_cuda.png" --json "$OUT/sr.jsonl" 2>&1 | tee "$OUT/torch_$m.txt" | tee -a "$log"
done

# All tables in one file.
{
  echo "# Super-resolution, $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(date -u +%F)"
  echo
  echo "## Caldera (CUDA fp16, dense NCHW fp16 device tensors in and out)"
  echo
  cat "$OUT/sr_bench.md" 2>/dev/null
  echo
  echo "## PyTorch (same weights)"
  echo
  echo "| model | runtime | batch | size | ms/frame | frames/s | max_memory_allocated MiB |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  env -u LD_LIBRARY_PATH python3 - "$OUT/sr.jsonl" <<'PY' 2>/dev/null
import json
import sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("| {model} | {runtime} | {batch} | {size} | {ms:.3f} | {fps:.2f} | {peak:.1f} |".format(
        model=r["model"], runtime=r["runtime"], batch=r["batch"], size=r["size"], ms=r["ms_per_frame"],
        fps=r["fps"], peak=r["peak_mib"]))
PY
  echo
  echo "## Correctness"
  echo
  grep -E "PSNR|compare:" "$log" | sed 's/^/    /'
} > "$OUT/sr.md"
say "done in ${SECONDS} s: $OUT/sr.md"
