#!/usr/bin/env bash
# Installs what Caldera builds against, from Debian's packages. The CUDA toolkit (nvcc 13, cuDNN,
# cuBLAS) is expected under /usr/local/cuda, as on the development machines.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  libpng-dev libjpeg62-turbo-dev            # image files
  libfmt-dev libcli11-dev nlohmann-json3-dev # command line, formatting, JSON
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
echo "setup: dependencies present"
