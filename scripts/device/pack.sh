#!/usr/bin/env bash
# Run HERE (the development machine): builds Caldera for Hopper and packs what the GPU machine
# needs into .device-bundle/ (ignored by git; the device tool carries it): the caldera command,
# the test executable, libcaldera.so, the FFmpeg of scripts/device/build-ffmpeg.sh (libraries,
# and the ffmpeg/ffprobe commands the video benchmark compares against), every other shared
# library they load that is not part of the C runtime, and the test and benchmark media (made
# here with Debian's ffmpeg: the GPU machine has no FFmpeg and its NVENC-less GPU cannot make
# HEVC). The GPU machine has the driver, CUDA, NPP and PyTorch but none of Debian's -dev libraries.
# CALDERA_BUNDLE_MODELS names models of the model cache to carry too ("all", or names such as
# "realesr-animevideov3-x4 realesrgan-x4plus-anime"; none by default).
# What travels is .device-bundle.tar.xz (the kernels compress about 7x); the runner scripts
# unpack it (scripts/device/unpack.sh). The device tool carries at most 64 MiB with the tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${CALDERA_DEVICE_ARCH:-90-real}"

bash scripts/device/build-ffmpeg.sh
ffprefix="${CALDERA_FFMPEG_PREFIX:-$PWD/.cache/ffmpeg-device}"
# Caldera against that FFmpeg (the sanitizer builds of the pipeline tests stay here: they run in
# CI, not on the GPU machine), as a shared library so both executables use one copy of it and of
# the kernels (see CALDERA_SHARED_LIBRARY in CMakeLists.txt).
PKG_CONFIG_PATH="$ffprefix/lib/pkgconfig" CALDERA_BUILD_DIR=build-device bash scripts/build.sh \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" -DCALDERA_SHARED_LIBRARY=ON -DCMAKE_BUILD_RPATH="$ffprefix/lib" \
  -DCALDERA_WITH_PEERS=OFF -DCALDERA_PIPELINE_SANITIZERS=OFF

bundle=.device-bundle
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/media"
# The peer tests (libyuv, OpenCV) need no GPU and run in CI; leaving them out keeps OpenCV and
# its dependencies from travelling.
cp build-device/bin/caldera build-device/tests/caldera_tests "$bundle/bin/"
cp "$ffprefix/bin/ffmpeg" "$ffprefix/bin/ffprobe" "$bundle/bin/"

# Shared libraries: everything ldd resolves except glibc's own and the CUDA driver (which the GPU
# machine provides and must match its kernel module).
# ldd resolves FFmpeg from the bundle's prefix (the ffmpeg command's rpath points at a ../lib that
# is still empty here).
for exe in "$bundle"/bin/*; do
  LD_LIBRARY_PATH="$ffprefix/lib" ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libcuda.so*|libgcc_s.so*|libstdc++.so*) ;;
    # cuDNN stays behind: its engine libraries are hundreds of MB, and the GPU machine has its
    # own cuDNN 9 in the loader path (Caldera uses only API every 9.x has).
    libcudnn*) ;;
    *) cp -L "$lib" "$bundle/lib/" ;;
  esac
done
# FFmpeg must be the one built for the bundle, not Debian's (which would need 170 MB of libraries).
for lib in "$bundle"/lib/libav*.so* "$bundle"/lib/libsw*.so*; do
  cmp -s "$lib" "$ffprefix/lib/$(basename "$lib")" || { echo "pack: $lib is not the one in $ffprefix" >&2; exit 1; }
done
strip --strip-unneeded "$bundle"/bin/* "$bundle"/lib/* 2>/dev/null || true

# Media. NVDEC checks: 720p 8-bit H.264, HEVC and VP9, 10-bit HEVC, AV1 with dav1d's frames. Benchmarks: 10 s at 30 fps of
# testsrc2 (a moving test pattern) at 1080p and 4K in H.264 and HEVC with AAC audio, at a low
# rate (CRF 36 / 34: about 4 MB for 4K) so that all of them travel within the device tool's limit.
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
m="$bundle/media"
ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p -c:v libx264 "$m/nvdec_h264.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p -c:v libx265 -x265-params log-level=error "$m/nvdec_hevc.mp4"
ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p10le -c:v libx265 -x265-params log-level=error "$m/nvdec_hevc10.mkv"
ff -f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p -c:v libvpx-vp9 -b:v 2M -deadline realtime -cpu-used 8 \
  "$m/nvdec_vp9.webm"
# AV1: the bundle's FFmpeg has no software AV1 decoder, so the frames dav1d decodes here travel too.
ff -f lavfi -i testsrc2=size=640x360:rate=30 -frames:v 12 -pix_fmt yuv420p -c:v libaom-av1 -cpu-used 8 -b:v 1M \
  "$m/nvdec_av1.mp4"
ff -i "$m/nvdec_av1.mp4" -f yuv4mpegpipe "$m/nvdec_av1_reference.y4m"
for size in 1920x1080 3840x2160; do
  h=${size#*x}
  ff -f lavfi -i testsrc2=size=$size:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 \
    -pix_fmt yuv420p -c:v libx264 -preset veryfast -crf 36 -c:a aac -b:a 96k "$m/bench_h264_${h}p.mp4"
  ff -f lavfi -i testsrc2=size=$size:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 \
    -pix_fmt yuv420p -c:v libx265 -preset ultrafast -crf 34 -x265-params log-level=error -c:a aac -b:a 96k \
    "$m/bench_hevc_${h}p.mp4"
done

# Models for the neural-engine runs, from the model cache (scripts/fetch-models.sh).
models="${CALDERA_BUNDLE_MODELS:-}"
if [ -n "$models" ]; then
  cache="${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}"
  [ "$models" = all ] && models=$(cd "$cache" && ls *.param | sed 's/\.param$//')
  mkdir -p "$bundle/models"
  for m in $models; do
    for ext in param bin; do
      [ -f "$cache/$m.$ext" ] || { echo "pack: $cache/$m.$ext is missing (run scripts/fetch-models.sh)" >&2; exit 1; }
      cp "$cache/$m.$ext" "$bundle/models/"
    done
    # The model's input/output settings (border, scale, residual), where it has them.
    [ -f "$cache/$m.io" ] && cp "$cache/$m.io" "$bundle/models/"
  done
fi

git rev-parse --short HEAD > "$bundle/commit" 2>/dev/null || echo unknown > "$bundle/commit"
du -sh "$bundle" "$bundle"/*
rm -f .device-bundle.tar.xz
tar -C . -cf - .device-bundle | xz -T"$(nproc)" -6 > .device-bundle.tar.xz
rm -rf "$bundle"  # only the archive travels (the directory would travel too if it stayed)
total=$(du -m .device-bundle.tar.xz | cut -f1)
echo "pack: .device-bundle.tar.xz is ${total} MiB"
[ "$total" -le 58 ] || echo "pack: warning: with the tree it must stay under 64 MiB" >&2
