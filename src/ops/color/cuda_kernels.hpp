// Internal to src/ops/color: the parameter blocks the conversion kernels take by value and their
// launchers. cuda.cu builds these from the images and picks a fast kernel or the generic one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera::color_cuda {

struct DevPlane {
  uint8_t* data = nullptr;
  size_t pitch = 0;
};

enum SampleKind : int { kU8 = 0, kU16 = 1, kF16 = 2, kF32 = 3 };
enum FamilyKind : int { kGray = 0, kYuv = 1, kRgb = 2 };

// ---- the generic kernel: any pair, one thread per 2x2 block of pixels -------------------------------

struct GenericFormat {
  DevPlane plane[3];
  int family = 0;
  int sample = 0;
  int shift = 0;          // P010: code = word >> 6
  float max = 1;          // largest code (1 for float formats)
  int channels0 = 1;      // interleaved samples per pixel in plane 0
  int rgb_planar = 0;     // RGB channels are planes (rgbf32p, rgbf16p)
  int ri = 0, gi = 1, bi = 2, ai = -1;
  int sub_x = 0, sub_y = 0, cw = 0, ch = 0;  // YUV chroma plane geometry
  int u_plane = 1, u_ch = 0, v_plane = 2, v_ch = 0, c_channels = 1;
  // Source: normalised = code * scale + offset. Destination: code = normalised * scale + offset.
  // Gray uses the luma pair; RGB uses y_scale only.
  float y_scale = 1, y_off = 0, c_scale = 1, c_off = 0;
  int siting = 0;  // ChromaSiting
};

struct GenericParams {
  GenericFormat src, dst;
  int width = 0, height = 0;
  int linear = 1;          // ChromaFilter::Linear
  int same_matrix = 0;     // YUV -> YUV with equal matrices: Y'CbCr move without an RGB round trip
  int chroma_direct = 0;   // ... and equal subsampling: chroma sample by sample
  float direct_c_scale = 1, direct_c_off = 0;  // code -> code for chroma_direct
  float rcr = 0, gcb = 0, gcr = 0, bcb = 0;    // source matrix, Y'CbCr -> RGB
  float ky[3] = {0, 0, 0}, kcb[3] = {0, 0, 0}, kcr[3] = {0, 0, 0};  // destination matrix, RGB -> Y'CbCr
  float alpha = 1;         // normalised alpha written when the source has none
};

Status launch_generic(const GenericParams& p, StreamHandle stream);

// ---- fast kernels: 8x2 pixels per thread, templated on the layouts ------------------------------------

// 4:2:0 layouts: semi-planar / planar, 8 / 16 bit.
enum class Yuv420 : int { NV8, P8, NV16, P16 };
// RGB layouts: packed 3 or 4 channels of 8 bit, packed 3 x 16 bit, planar f32, planar f16.
enum class RgbLayout : int { C3U8, C4U8, C3U16, PF32, PF16 };

struct YuvPlanes {
  DevPlane y, u, v;  // semi-planar: u and v are the same plane
  int u_ch = 0, v_ch = 1;
  int shift = 0;
};

struct YuvToRgbParams {
  YuvPlanes in;
  DevPlane out[3];
  int width = 0, height = 0, cw = 0, ch = 0;
  int vec = 0;        // planes and pitches 16-byte aligned: whole tiles use vector access
  int linear = 1;
  // Upsampling taps on chroma samples i-1, i, i+1 for even/odd luma columns (rows): value at
  // luma column 2i + parity = w[parity][0] c[i-1] + w[parity][1] c[i] + w[parity][2] c[i+1].
  float hw[2][3], vw[2][3];
  float ys = 1, yo = 0, cs = 1, co = 0;  // code -> normalised * out scale
  float rcr = 0, gcb = 0, gcr = 0, bcb = 0;
  float out_max = 255;
  int swap_rb = 0;    // output memory order B, G, R
  unsigned alpha_code = 255;
  int tx0 = 0, ty0 = 0;  // first 8x2 tile of the launch (the tile kernels cover the edges of a frame
                         // whose inside the 8-bit warp-row kernels take)
};
Status launch_yuv420_to_rgb(const YuvToRgbParams& p, Yuv420 in, RgbLayout out, StreamHandle stream, bool* launched);

struct RgbToYuvParams {
  DevPlane in[3];
  YuvPlanes out;
  int width = 0, height = 0, cw = 0, ch = 0;
  int vec = 0;
  int triangle = 0;   // horizontal [1 2 1]/4 (left siting); else the 2x2 box
  int swap_rb = 0;    // input memory order B, G, R
  float ky[3], yo;    // Y code = ky . (R, G, B codes) + yo
  float kcb[3], kcr[3], co;
  float y_max = 255;
  int tx0 = 0, ty0 = 0;
};
Status launch_rgb_to_yuv420(const RgbToYuvParams& p, RgbLayout in, Yuv420 out, StreamHandle stream, bool* launched);

struct RgbToRgbParams {
  DevPlane in[3], out[3];
  int width = 0, height = 0;
  int vec = 0;
  int swap_rb = 0;     // input and output orders differ
  float scale = 1;     // output code per input code
  float out_max = 255;
  int copy_alpha = 0;
  unsigned alpha_code = 255;
  int tx0 = 0;         // first 8x2 tile column of the launch (RGB24 <-> BGR24: the row kernel takes the rest)
};
Status launch_rgb_to_rgb(const RgbToRgbParams& p, RgbLayout in, RgbLayout out, StreamHandle stream, bool* launched);

struct RepackParams {
  YuvPlanes in, out;
  int width = 0, height = 0, cw = 0, ch = 0;
  int vec = 0;
  float ls = 1, lo = 0, cs = 1, co = 0;  // code -> code, luma and chroma
  float out_max = 255;
  int tx0 = 0, ty0 = 0;
};
Status launch_yuv420_repack(const RepackParams& p, Yuv420 in, Yuv420 out, StreamHandle stream, bool* launched);

// ---- 8-bit warp-row kernels (fast_yuv8.cu): one warp per 256- or 512-pixel segment of a row pair ------
// They take the inside of the frame (width rounded down to 16, height to 2) when the planes are
// 16-byte aligned; the tile kernels above take the edges (tx0/ty0). Each returns with *launched
// false when the pair or the view does not fit, leaving the whole frame to the caller.
Status launch_yuv8_to_rgb8(const YuvToRgbParams& p, Yuv420 in, RgbLayout out, StreamHandle stream, bool* launched);
Status launch_rgb8_to_yuv8(const RgbToYuvParams& p, RgbLayout in, Yuv420 out, StreamHandle stream, bool* launched);
Status launch_repack8(const RepackParams& p, Yuv420 in, Yuv420 out, StreamHandle stream, bool* launched);

// The part of a frame the warp-row kernels leave to the tile kernels: the columns from x16 on (all
// rows) and, for an odd height, the last row left of x16. Launches `tiles(tx0, ty0, ntx, nty)` for each.
template <class F>
Status for_each_edge(int width, int height, F&& tiles) {
  const int x16 = width / 16 * 16, y2 = height / 2 * 2;
  const int ntx = (width + 7) / 8, nty = (height + 1) / 2;
  if (x16 < width) {
    Status s = tiles(x16 / 8, 0, ntx - x16 / 8, nty);
    if (!s) return s;
  }
  if (y2 < height && x16 > 0) return tiles(0, y2 / 2, x16 / 8, 1);
  return Status::ok();
}

}  // namespace caldera::color_cuda
