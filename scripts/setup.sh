#!/usr/bin/env bash
# Installs what Caldera builds against, from Debian's packages. The CUDA toolkit (nvcc 13, cuDNN,
# cuBLAS) is expected under /usr/local/cuda, as on the development machines.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  libpng-dev libjpeg62-turbo-dev            # image files
  libfmt-dev libcli11-dev nlohmann-json3-dev # command line, formatting, JSON (and JSON pipeline files)
  libyaml-cpp-dev                            # YAML pipeline files (caldera run --pipeline x.yaml)
  libonnx-dev libprotobuf-dev                # ONNX import (onnx-ml.pb.h, libonnx_proto, libprotobuf)
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev  # video files (demux, decode, encode, mux)
  ffmpeg                                     # tests: makes the test media; zscale (libzimg) + tonemap are the tone-mapping oracle
  libgtest-dev                               # tests
  libyuv-dev libopencv-imgproc-dev libopencv-core-dev  # peers as test oracles only
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: nvcc not found; Caldera needs the CUDA toolkit (13.x) in /usr/local/cuda or on PATH" >&2
  exit 1
fi
# ONNX Runtime for node, the oracle of tests/nn/onnx_ort_test.cpp (which skips without it), into
# the git-ignored .cache/node. Its install script only fetches the CUDA provider from NuGet;
# the CPU runtime is in the package itself, so scripts are skipped (and no network is needed
# at test time).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ort_dir="$repo_root/.cache/node"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ]; then
    echo "setup: installing onnxruntime-node into $ort_dir"
    mkdir -p "$ort_dir"
    npm install --prefix "$ort_dir" --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null ||
      echo "setup: onnxruntime-node did not install; the ONNX Runtime comparison tests will skip" >&2
  fi
else
  echo "setup: npm not found; the ONNX Runtime comparison tests will skip" >&2
fi
echo "setup: dependencies present"
