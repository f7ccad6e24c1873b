#!/usr/bin/env bash
# Sets up, builds and runs every test with ctest. GPU tests skip with a message where there is
# no GPU. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir "${CALDERA_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
