#!/usr/bin/env bash
# Configures and builds Caldera into ${CALDERA_BUILD_DIR:-build}. Extra arguments go to cmake
# (for example -DCMAKE_CUDA_ARCHITECTURES=90-real for a quick Hopper-only build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/cuda/bin:$PATH"
build_dir="${CALDERA_BUILD_DIR:-build}"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
