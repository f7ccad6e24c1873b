#!/usr/bin/env bash
# Run HERE (the development machine): builds Caldera for Hopper and packs what the GPU machine
# needs into .device-bundle/ (ignored by git; the device tool carries it): the caldera command,
# the test executables and every shared library they load that is not part of the C runtime.
# The GPU machine has the driver, CUDA, NPP and PyTorch but none of Debian's -dev libraries.
# CALDERA_BUNDLE=sr packs the caldera command alone (no test executable, ~25 MiB) so that
# models fit beside it for scripts/device/run_sr.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${CALDERA_DEVICE_ARCH:-90-real}"
CALDERA_BUILD_DIR=build-device bash scripts/build.sh -DCMAKE_CUDA_ARCHITECTURES="$arch"

bundle=.device-bundle
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
# The peer tests (libyuv, OpenCV) need no GPU and run in CI; leaving them out keeps OpenCV and
# its dependencies from travelling.
cp build-device/bin/caldera "$bundle/bin/"
if [ "${CALDERA_BUNDLE:-full}" != sr ]; then cp build-device/tests/caldera_tests "$bundle/bin/"; fi

# Shared libraries: everything ldd resolves except glibc's own and the CUDA driver (which the GPU
# machine provides and must match its kernel module).
for exe in "$bundle"/bin/*; do
  ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libcuda.so*|libgcc_s.so*|libstdc++.so*) ;;
    # cuDNN stays behind: its engine libraries are hundreds of MB, and the GPU machine has its
    # own cuDNN 9 in the loader path (Caldera uses only API every 9.x has).
    libcudnn*) ;;
    *) cp -L "$lib" "$bundle/lib/" ;;
  esac
done
strip --strip-unneeded "$bundle"/bin/* 2>/dev/null || true
git rev-parse --short HEAD > "$bundle/commit" 2>/dev/null || echo unknown > "$bundle/commit"
du -sh "$bundle"
