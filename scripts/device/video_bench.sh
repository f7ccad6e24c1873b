#!/usr/bin/env bash
# Run ON THE GPU MACHINE from scripts/device/run.sh (or alone, with .device-bundle carried):
#   bash scripts/device/video_bench.sh OUT_DIR
# Video benchmarks of issue 4, each job run by Caldera and by the FFmpeg command line built for
# the bundle (the same FFmpeg libraries, decoders and encoder), one after the other in the same
# run, wall-clock time of the whole command (process start to file closed), best of 3:
#   1. decode only, frames discarded: NVDEC and the software decoder, 1080p and 4K, H.264 and HEVC
#      (caldera run -o null / ffmpeg -f null -);
#   2. the whole job 4K H.264 -> 1080p H.264 (libx264 veryfast, CRF 23, audio copied): NVDEC,
#      resize on the GPU (bicubic, as scale_cuda's default), download, x264, mux.
# Writes video_bench.md (the table) and video_bench.log (every command's output) into OUT_DIR.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/unpack.sh
out="${1:-${OUT:-out/device}}"
mkdir -p "$out"
bundle="$PWD/.device-bundle"
bin="$bundle/bin"
media="$bundle/media"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
log="$out/video_bench.log"
: > "$log"
table="$out/video_bench.md"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Seconds of the best of 3 runs of a command (its output goes to the log); "fail" if any run fails.
best_of_3() {
  local best="" t0 t1 s
  for _ in 1 2 3; do
    t0=$(date +%s.%N)
    if ! "$@" >>"$log" 2>&1; then echo fail; return; fi
    t1=$(date +%s.%N)
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
    if [ -z "$best" ] || awk -v s="$s" -v b="$best" 'BEGIN {exit !(s < b)}'; then best=$s; fi
  done
  echo "$best"
}
frames_of() { "$bin/ffprobe" -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
fps() { [ "$2" = fail ] && echo "-" || awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", n / s}'; }
# Caldera's speed over FFmpeg's: FFmpeg's time over Caldera's.
ratio() { { [ "$1" = fail ] || [ "$2" = fail ]; } && echo "-" || awk -v c="$1" -v g="$2" 'BEGIN {printf "%.2f", g / c}'; }

{
  echo "| work | Caldera fps | FFmpeg fps | Caldera / FFmpeg | commands |"
  echo "| --- | --- | --- | --- | --- |"
} > "$table"
row() { echo "| $1 | $(fps "$2" "$3") | $(fps "$2" "$4") | $(ratio "$3" "$4")x | $5 |" >> "$table"; }

for clip in bench_h264_1080p bench_hevc_1080p bench_h264_2160p bench_hevc_2160p; do
  f="$media/$clip.mp4"
  [ -f "$f" ] || { echo "missing $f" | tee -a "$log"; continue; }
  n=$(frames_of "$f")
  echo "== $clip: $n frames" | tee -a "$log"
  c=$(best_of_3 "$bin/caldera" run -q --device cuda --decode nvdec -i "$f" -o null)
  g=$(best_of_3 "$bin/ffmpeg" -hide_banner -loglevel error -nostdin -hwaccel cuda -hwaccel_output_format cuda -i "$f" -an -f null -)
  row "decode $clip NVDEC" "$n" "$c" "$g" "caldera run --decode nvdec -o null / ffmpeg -hwaccel cuda -hwaccel_output_format cuda -f null"
  c=$(best_of_3 "$bin/caldera" run -q --device cpu -i "$f" -o null)
  g=$(best_of_3 "$bin/ffmpeg" -hide_banner -loglevel error -nostdin -i "$f" -an -f null -)
  row "decode $clip software ($(nproc) cores)" "$n" "$c" "$g" "caldera run --device cpu -o null / ffmpeg -f null"
done

f="$media/bench_h264_2160p.mp4"
if [ -f "$f" ]; then
  n=$(frames_of "$f")
  c=$(best_of_3 "$bin/caldera" run -q --device cuda -i "$f" -o "$tmp/c.mp4" \
      --vf resize=w=1920:h=1080:interp=bicubic:antialias=0 --preset veryfast --crf 23)
  g=$(best_of_3 "$bin/ffmpeg" -hide_banner -loglevel error -nostdin -y -hwaccel cuda -hwaccel_output_format cuda -i "$f" \
      -vf scale_cuda=1920:1080,hwdownload,format=nv12 -c:v libx264 -preset veryfast -crf 23 -c:a copy "$tmp/g.mp4")
  row "4K H.264 -> 1080p H.264 (NVDEC, GPU bicubic, x264 veryfast crf 23, audio copied)" "$n" "$c" "$g" \
      "caldera run --vf resize=...:interp=bicubic:antialias=0 / ffmpeg -vf scale_cuda,hwdownload"
  echo "frames out: caldera $(frames_of "$tmp/c.mp4"), ffmpeg $(frames_of "$tmp/g.mp4") (of $n)" | tee -a "$log" "$table"
  c=$(best_of_3 "$bin/caldera" run -q --device cuda -i "$f" -o "$tmp/c2.mp4" --vf resize=w=1920:h=1080 --preset veryfast --crf 23)
  row "same, Caldera's default resize (bilinear with antialias)" "$n" "$c" "$g" "caldera run --vf resize=w=1920:h=1080"
  # The fixed cost of one job (start-up: CUDA, NVDEC and the encoder's opening; the end: the
  # encoder's flush, the file's finish): one frame through the same job.
  c=$(best_of_3 "$bin/caldera" run -q --device cuda -i "$f" -o "$tmp/c1.mp4" --frames 1 \
      --vf resize=w=1920:h=1080:interp=bicubic:antialias=0 --preset veryfast --crf 23)
  g=$(best_of_3 "$bin/ffmpeg" -hide_banner -loglevel error -nostdin -y -hwaccel cuda -hwaccel_output_format cuda -i "$f" \
      -frames:v 1 -vf scale_cuda=1920:1080,hwdownload,format=nv12 -c:v libx264 -preset veryfast -crf 23 -c:a copy "$tmp/g1.mp4")
  echo "| one frame of the same job (the fixed cost), seconds | $c | $g | $(ratio "$c" "$g")x | --frames 1 / -frames:v 1 |" >> "$table"
  c=$(best_of_3 "$bin/caldera" run -q --device cuda -i "$f" -o null --frames 1)
  echo "| one frame decoded (caldera run -o null --frames 1), seconds | $c | - | - | CUDA and NVDEC start-up |" >> "$table"
  # Where the whole job's time goes: each stage's busy and waiting time.
  echo "== caldera run --stats of the whole job" >> "$log"
  "$bin/caldera" run --stats --device cuda -i "$f" -o "$tmp/c3.mp4" \
      --vf resize=w=1920:h=1080:interp=bicubic:antialias=0 --preset veryfast --crf 23 >> "$log" 2>&1
fi
cat "$table"
