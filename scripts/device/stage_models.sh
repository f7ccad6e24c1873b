#!/usr/bin/env bash
# Run HERE: copies one set of models from the model cache into .models (ignored by git), for
# carrying to the GPU machine beside the bundle (at most 64 MiB travel in one call):
#   bash scripts/device/stage_models.sh A   # realesr-animevideov3-x2/-x3/-x4, realesrgan-x4plus-anime (13 MiB)
#   bash scripts/device/stage_models.sh B   # realesrgan-x4plus (33 MiB)
set -euo pipefail
cd "$(dirname "$0")/../.."
src="${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}"
case "${1:-}" in
  A) set -- realesr-animevideov3-x2 realesr-animevideov3-x3 realesr-animevideov3-x4 realesrgan-x4plus-anime ;;
  B) set -- realesrgan-x4plus ;;
  *) echo "usage: $0 A|B" >&2; exit 2 ;;
esac
rm -rf .models
mkdir -p .models
for m in "$@"; do
  for ext in param bin; do
    [ -f "$src/$m.$ext" ] || { echo "$src/$m.$ext is missing (run scripts/fetch-models.sh)" >&2; exit 1; }
    cp "$src/$m.$ext" .models/
  done
done
du -sh .models
