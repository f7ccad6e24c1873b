#!/usr/bin/env bash
# Run ON THE GPU MACHINE (after scripts/device/pack.sh here; the bundle carried), as part of a
# device call: where the instructions of one kernel go, instruction by instruction. For each entry
# of CALDERA_SOURCE_KERNELS ("kernel regex|bench filter[|calls to skip]", separated by ';'; the
# regex is matched against the mangled name, so it can pick one template instance) writes
#   $OUT/<n>.sass.txt   the kernel's SASS (cuobjdump -sass of libcaldera.so, that function only)
#   $OUT/<n>.source.csv Nsight Compute's source page: per SASS instruction, how often it was
#                       executed and the warp stall samples at it (one launch, after the
#                       entry's calls to skip, default 10: the first row's warm-up)
# and prints a summary (instructions executed per launch, the hottest instructions). Needs Nsight
# Compute's counters and says so when they are missing. CALDERA_NCU_SECTIONS adds sections (for
# example "MemoryWorkloadAnalysis Occupancy LaunchStats"), whose lines land in $OUT/<n>.details.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/unpack.sh
OUT="${OUT:-$PWD/out/device}"
mkdir -p "$OUT"
bundle="$PWD/.device-bundle"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
tool() { command -v "$1" 2>/dev/null || ls /opt/nvidia/nsight-compute/*/"$1" /usr/local/cuda/bin/"$1" 2>/dev/null | head -1; }
ncu_bin=$(tool ncu)
cuobjdump_bin=$(tool cuobjdump)
IFS=';' read -r -a entries <<<"${CALDERA_SOURCE_KERNELS:-classify_kernel|canny}"
n=0
for entry in "${entries[@]}"; do
  n=$((n + 1))
  skip=10
  if [[ "${entry##*|}" =~ ^[0-9]+$ ]]; then skip=${entry##*|}; entry=${entry%|*}; fi
  k=${entry%|*} f=${entry##*|}
  echo "=== $n: $k (caldera bench --filter '$f')"
  if [ -n "$cuobjdump_bin" ]; then
    # The functions whose mangled names match: cuobjdump prints "Function : name" before each.
    "$cuobjdump_bin" -sass "$bundle/lib/libcaldera.so" 2>/dev/null |
      awk -v re="$k" '/Function :/ {keep = ($0 ~ re)} keep' > "$OUT/$n.sass.txt"
    echo "sass: $(grep -c 'Function :' "$OUT/$n.sass.txt") functions, $(grep -cE '^\s+/\*[0-9a-f]{4}\*/' "$OUT/$n.sass.txt") instructions"
  else
    echo "cuobjdump not found"
  fi
  [ -z "$ncu_bin" ] && { echo "ncu not found"; continue; }
  rep="$OUT/$n"
  timeout 180 "$ncu_bin" --clock-control none --kernel-name-base mangled -k "regex:$k" --launch-skip "$skip" --launch-count 1 \
    --section SourceCounters --section InstructionStats --section SpeedOfLight --section WarpStateStats \
    $(for s in ${CALDERA_NCU_SECTIONS:-}; do printf -- '--section %s ' "$s"; done) \
    --import-source no -f -o "$rep" "$bundle/bin/caldera" bench --filter "$f" > "$OUT/$n.ncu.log" 2>&1 ||
    { echo "ncu: exit $? (see $n.ncu.log)"; tail -5 "$OUT/$n.ncu.log"; continue; }
  "$ncu_bin" -i "$rep.ncu-rep" --page details > "$OUT/$n.details.txt" 2>&1
  "$ncu_bin" -i "$rep.ncu-rep" --page source --csv --print-source sass > "$OUT/$n.source.csv" 2>&1
  grep -E "Duration|Executed Ipc|Issue Slots Busy|Executed Instructions |Warp Cycles Per Issued" "$OUT/$n.details.txt" | head -12
  rm -f "$rep.ncu-rep"
done
