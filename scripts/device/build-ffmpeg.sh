#!/usr/bin/env bash
# Run HERE (the development machine). Builds the FFmpeg that travels to the GPU machine, which has
# none, from Debian's own source packages, into ${CALDERA_FFMPEG_PREFIX:-.cache/ffmpeg-device}:
#   - x264 from Debian's source as a position-independent static library, so libavcodec.so carries
#     it (Debian ships no PIC libx264.a, and its shared x264 would travel as one more file);
#   - FFmpeg 5.1 from Debian's source, as shared libraries (so the caldera command, the test
#     executable and the ffmpeg command share one copy inside the 64 MiB the device tool carries)
#     with only what Caldera and the benchmarks use: the MP4/MOV, Matroska/WebM, MPEG-TS, Y4M and
#     raw demuxers and muxers; H.264, HEVC, VP9, AV1, MPEG-2/4 decoders with their NVDEC hwaccels;
#     the h264/hevc/av1 NVENC encoders and libx264; swscale; and for the peer benchmark the ffmpeg
#     and ffprobe commands with the CUDA filters (scale_cuda, hwupload/hwdownload) compiled to PTX
#     by clang (--enable-cuda-llvm: no nonfree parts). NVDEC/NVENC come through Debian's
#     ffnvcodec headers (libffmpeg-nvenc-dev) and load the driver's libraries at run time.
#   - x265 the same way (8-, 10- and 12-bit in one static library), so that HEVC output works on
#     the H100/H200, which have no NVENC.
# Not included: AV1/VP9 software *encoders* (the benchmarks encode with libx264 on both sides) and
# a software AV1 decoder (Debian has no static dav1d; AV1 decodes on NVDEC there).
#
# A stamp of this script's contents makes a second run a no-op. Takes ~25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
prefix="${CALDERA_FFMPEG_PREFIX:-$root/.cache/ffmpeg-device}"
work="$root/.cache/ffmpeg-device-build"
stamp_want="$(sha256sum "$0" | cut -c1-16)"
if [ -f "$prefix/stamp" ] && [ "$(cat "$prefix/stamp")" = "$stamp_want" ]; then
  echo "build-ffmpeg: $prefix is up to date"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
need=()
for p in dpkg-dev nasm clang libffmpeg-nvenc-dev pkg-config build-essential; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# apt-get source needs deb-src entries; add them beside the deb ones where they are missing.
if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    "${sudo_cmd[@]}" sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
  else
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/caldera-src.list >/dev/null
  fi
  "${sudo_cmd[@]}" apt-get update -qq
fi

rm -rf "$work" "$prefix"
mkdir -p "$work" "$prefix"
cd "$work"
jobs="$(nproc)"

echo "build-ffmpeg: x264 from Debian's source"
apt-get source -qq x264 >/dev/null 2>&1
cd x264-*/
./configure --prefix="$prefix" --enable-static --disable-cli --enable-pic --disable-opencl --disable-lavf \
  --disable-swscale --disable-ffms --disable-gpac --disable-lsmash >/dev/null
make -j"$jobs" >/dev/null
make install >/dev/null
cd "$work"

echo "build-ffmpeg: x265 from Debian's source (8-bit with the 10- and 12-bit encoders linked in)"
apt-get source -qq x265 >/dev/null 2>&1
x265_src="$(ls -d "$work"/x265-*/source)"
x265_common=(-DCMAKE_BUILD_TYPE=Release -DENABLE_SHARED=OFF -DENABLE_CLI=OFF -DENABLE_LIBNUMA=OFF
             -DCMAKE_POSITION_INDEPENDENT_CODE=ON -Wno-dev)
for depth in 10 12; do
  mkdir -p "$work/x265-$depth" && cd "$work/x265-$depth"
  cmake "$x265_src" "${x265_common[@]}" -DHIGH_BIT_DEPTH=ON -DEXPORT_C_API=OFF $([ $depth = 12 ] && echo -DMAIN12=ON) >/dev/null
  make -j"$jobs" >/dev/null
done
mkdir -p "$work/x265-8" && cd "$work/x265-8"
ln -sf ../x265-10/libx265.a libx265_main10.a
ln -sf ../x265-12/libx265.a libx265_main12.a
cmake "$x265_src" "${x265_common[@]}" -DCMAKE_INSTALL_PREFIX="$prefix" -DEXTRA_LIB="x265_main10.a;x265_main12.a" \
  -DEXTRA_LINK_FLAGS=-L. -DLINKED_10BIT=ON -DLINKED_12BIT=ON >/dev/null
make -j"$jobs" >/dev/null
# One archive holding the three (the 8-bit one refers to the others' symbols).
mv libx265.a libx265_main.a
printf 'CREATE libx265.a\nADDLIB libx265_main.a\nADDLIB libx265_main10.a\nADDLIB libx265_main12.a\nSAVE\nEND\n' | ar -M
make install >/dev/null
cd "$work"

echo "build-ffmpeg: FFmpeg from Debian's source"
apt-get source -qq ffmpeg >/dev/null 2>&1
cd ffmpeg-*/
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
decoders=h264,hevc,vp9,av1,mpeg2video,mpeg4,mjpeg,rawvideo,wrapped_avframe
hwaccels=h264_nvdec,hevc_nvdec,vp9_nvdec,av1_nvdec,mpeg2_nvdec,mpeg4_nvdec
encoders=libx264,libx265,h264_nvenc,hevc_nvenc,av1_nvenc,rawvideo,wrapped_avframe
demuxers=mov,matroska,mpegts,yuv4mpegpipe,rawvideo,h264,hevc,ivf,image2
muxers=mp4,mov,matroska,webm,mpegts,yuv4mpegpipe,rawvideo,null,framemd5,md5,ipod
parsers=h264,hevc,vp9,av1,mpeg4video,mpegvideo,aac,ac3,mpegaudio,opus,vorbis,flac
bsfs=h264_mp4toannexb,hevc_mp4toannexb,aac_adtstoasc,vp9_superframe,vp9_superframe_split,extract_extradata,av1_frame_split,av1_frame_merge,null
filters=scale,scale_cuda,hwupload,hwupload_cuda,hwdownload,format,null,copy,fps,setpts,trim,aformat,anull,atrim
./configure --prefix="$prefix" --enable-shared --disable-static --enable-gpl --disable-doc --disable-debug \
  --disable-everything --disable-autodetect --disable-avdevice --disable-swresample --disable-postproc \
  --enable-pic --enable-pthreads --enable-zlib --pkg-config-flags=--static \
  --enable-ffnvcodec --enable-cuda --enable-cuvid --enable-nvdec --enable-nvenc --enable-cuda-llvm \
  --enable-libx264 --enable-libx265 \
  --enable-protocol=file,pipe \
  --enable-decoder="$decoders" --enable-hwaccel="$hwaccels" --enable-encoder="$encoders" \
  --enable-demuxer="$demuxers" --enable-muxer="$muxers" --enable-parser="$parsers" --enable-bsf="$bsfs" \
  --enable-filter="$filters" \
  --extra-cflags="-I$prefix/include" --extra-ldflags="-L$prefix/lib" \
  --extra-ldexeflags='-Wl,-rpath,$$ORIGIN/../lib' >"$work/configure.log" 2>&1 ||
  { tail -30 "$work/configure.log"; exit 1; }
make -j"$jobs" >"$work/make.log" 2>&1 || { tail -30 "$work/make.log"; exit 1; }
make install >/dev/null
# Only what is loaded at run time travels: no headers or pkg-config files are needed there, but
# the device build of Caldera compiles against this prefix, so they stay here.
strip --strip-unneeded "$prefix"/lib/lib*.so.* "$prefix"/bin/* 2>/dev/null || true
echo "$stamp_want" > "$prefix/stamp"
du -sh "$prefix/lib" "$prefix/bin"
echo "build-ffmpeg: done -> $prefix"
