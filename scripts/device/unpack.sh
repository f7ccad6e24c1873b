#!/usr/bin/env bash
# Sourced by the runner scripts ON THE GPU MACHINE: unpacks .device-bundle.tar.xz (what
# scripts/device/pack.sh makes and the device tool carries) into .device-bundle/ once.
if [ ! -x .device-bundle/bin/caldera ] && [ -f .device-bundle.tar.xz ]; then
  xz -dc .device-bundle.tar.xz | tar -xf - || { echo "unpack: .device-bundle.tar.xz is damaged" >&2; exit 2; }
fi
# Models carried in the bundle (CALDERA_BUNDLE_MODELS at pack time) are the default model directory.
if [ -z "${CALDERA_MODEL_DIR:-}" ] && [ -d .device-bundle/models ]; then export CALDERA_MODEL_DIR="$PWD/.device-bundle/models"; fi
