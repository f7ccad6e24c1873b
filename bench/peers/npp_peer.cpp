// The NPP peer plugin: thin calls into NVIDIA NPP with the arguments `caldera bench` gives, so
// NPP's time is measured on the same input, on the same stream, in the same run as ours. Built
// only where NPP's headers exist (scripts/device/run.sh builds it on the GPU machine).
#include <cuda_runtime.h>
#include <npp.h>

#include <cstdio>
#include <cstring>

#include "peers/npp_peer.h"

namespace {

// NPP's stream context, filled from the device as NPP's documentation asks (CUDA 13's NPP has
// only the _Ctx entry points).
NppStreamContext context_for(CalderaPeerStream stream) {
  NppStreamContext c{};
  c.hStream = reinterpret_cast<cudaStream_t>(stream);
  cudaGetDevice(&c.nCudaDeviceId);
  cudaDeviceGetAttribute(&c.nMultiProcessorCount, cudaDevAttrMultiProcessorCount, c.nCudaDeviceId);
  cudaDeviceGetAttribute(&c.nMaxThreadsPerMultiProcessor, cudaDevAttrMaxThreadsPerMultiProcessor, c.nCudaDeviceId);
  cudaDeviceGetAttribute(&c.nMaxThreadsPerBlock, cudaDevAttrMaxThreadsPerBlock, c.nCudaDeviceId);
  int smem = 0;
  cudaDeviceGetAttribute(&smem, cudaDevAttrMaxSharedMemoryPerBlock, c.nCudaDeviceId);
  c.nSharedMemPerBlock = static_cast<size_t>(smem);
  cudaDeviceGetAttribute(&c.nCudaDevAttrComputeCapabilityMajor, cudaDevAttrComputeCapabilityMajor, c.nCudaDeviceId);
  cudaDeviceGetAttribute(&c.nCudaDevAttrComputeCapabilityMinor, cudaDevAttrComputeCapabilityMinor, c.nCudaDeviceId);
  cudaStreamGetFlags(c.hStream, &c.nStreamFlags);
  return c;
}

int nv12_to_rgb709(const CalderaU8* y, const CalderaU8* uv, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                   int bgr, CalderaPeerStream s) {
  const Npp8u* const src[2] = {y, uv};
  const NppiSize size{w, h};
  return bgr ? nppiNV12ToBGR_709HDTV_8u_P2C3R_Ctx(src, src_step, dst, dst_step, size, context_for(s))
             : nppiNV12ToRGB_709HDTV_8u_P2C3R_Ctx(src, src_step, dst, dst_step, size, context_for(s));
}

int nv12_to_rgb601(const CalderaU8* y, const CalderaU8* uv, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                   CalderaPeerStream s) {
  const Npp8u* const src[2] = {y, uv};
  return nppiNV12ToRGB_8u_P2C3R_Ctx(src, src_step, dst, dst_step, NppiSize{w, h}, context_for(s));
}

int i420_to_rgb(const CalderaU8* y, int y_step, const CalderaU8* u, int u_step, const CalderaU8* v, int v_step,
                CalderaU8* dst, int dst_step, int w, int h, CalderaPeerStream s) {
  const Npp8u* const src[3] = {y, u, v};
  int steps[3] = {y_step, u_step, v_step};
  return nppiYUV420ToRGB_8u_P3C3R_Ctx(src, steps, dst, dst_step, NppiSize{w, h}, context_for(s));
}

int rgb_to_i420(const CalderaU8* src, int src_step, CalderaU8* y, int y_step, CalderaU8* u, int u_step, CalderaU8* v,
                int v_step, int w, int h, CalderaPeerStream s) {
  Npp8u* dst[3] = {y, u, v};
  int steps[3] = {y_step, u_step, v_step};
  return nppiRGBToYUV420_8u_C3P3R_Ctx(src, src_step, dst, steps, NppiSize{w, h}, context_for(s));
}

int swap_channels_c3(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                     const int order[3], CalderaPeerStream s) {
  return nppiSwapChannels_8u_C3R_Ctx(src, src_step, dst, dst_step, NppiSize{w, h}, order, context_for(s));
}

int rgb_to_rgba(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, CalderaPeerStream s) {
  const int order[4] = {0, 1, 2, 3};  // 3: fill the fourth channel with the constant
  return nppiSwapChannels_8u_C3C4R_Ctx(src, src_step, dst, dst_step, NppiSize{w, h}, order, 255, context_for(s));
}

int resize_8u(const CalderaU8* src, int src_step, int sw, int sh, CalderaU8* dst, int dst_step, int dw, int dh,
              int channels, int interp, CalderaPeerStream s) {
  int mode = NPPI_INTER_LINEAR;
  switch (interp) {
    case CALDERA_PEER_NEAREST: mode = NPPI_INTER_NN; break;
    case CALDERA_PEER_LINEAR: mode = NPPI_INTER_LINEAR; break;
    case CALDERA_PEER_CUBIC: mode = NPPI_INTER_CUBIC; break;
    case CALDERA_PEER_SUPER: mode = NPPI_INTER_SUPER; break;
    case CALDERA_PEER_LANCZOS: mode = NPPI_INTER_LANCZOS; break;
    default: return -1000;
  }
  const NppiSize ssize{sw, sh}, dsize{dw, dh};
  const NppiRect sroi{0, 0, sw, sh}, droi{0, 0, dw, dh};
  if (channels == 1)
    return nppiResize_8u_C1R_Ctx(src, src_step, ssize, sroi, dst, dst_step, dsize, droi, mode, context_for(s));
  if (channels == 3)
    return nppiResize_8u_C3R_Ctx(src, src_step, ssize, sroi, dst, dst_step, dsize, droi, mode, context_for(s));
  return -1001;
}

int rgb_to_planar_f32(const CalderaU8* src, int src_step, float* planes[3], int plane_step, float* scratch, int w,
                      int h, CalderaPeerStream s) {
  const NppStreamContext c = context_for(s);
  const NppiSize size{w, h};
  const int scratch_step = w * 3 * static_cast<int>(sizeof(float));
  NppStatus st = nppiConvert_8u32f_C3R_Ctx(src, src_step, scratch, scratch_step, size, c);
  if (st != NPP_SUCCESS) return st;
  const Npp32f scale[3] = {1.f / 255.f, 1.f / 255.f, 1.f / 255.f};
  st = nppiMulC_32f_C3IR_Ctx(scale, scratch, scratch_step, size, c);
  if (st != NPP_SUCCESS) return st;
  Npp32f* const dst[3] = {planes[0], planes[1], planes[2]};
  return nppiCopy_32f_C3P3R_Ctx(scratch, scratch_step, dst, plane_step, size, c);
}

// ---- edge detection and neighbourhood filters, and the 3D LUT -------------------------------------
// A whole frame: the source size is the ROI, the offset 0, and NPP replicates the edge. These calls
// were written from NPP's documented signatures without NPP headers at hand; scripts/device/run.sh
// rebuilds the plugin with CALDERA_NPP_FILTERS=0 if they do not compile, so the older peers stay.
#ifndef CALDERA_NPP_FILTERS
#define CALDERA_NPP_FILTERS 1
#endif
#if CALDERA_NPP_FILTERS

int canny_buffer_size(int w, int h) {
  int bytes = 0;
  const NppStatus st = nppiFilterCannyBorderGetBufferSize(NppiSize{w, h}, &bytes);
  return st != NPP_SUCCESS ? static_cast<int>(st) : bytes;
}

int canny_8u(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int mask, int low, int high,
             int l2, CalderaU8* scratch, CalderaPeerStream s) {
  if (mask != 3 && mask != 5) return -1000;
  const NppiSize size{w, h};
  return nppiFilterCannyBorder_8u_C1R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size, NPP_FILTER_SOBEL,
                                          mask == 3 ? NPP_MASK_SIZE_3_X_3 : NPP_MASK_SIZE_5_X_5, static_cast<Npp16s>(low),
                                          static_cast<Npp16s>(high), l2 ? nppiNormL2 : nppiNormL1, NPP_BORDER_REPLICATE,
                                          scratch, context_for(s));
}

int gauss_8u(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int channels, int mask,
             CalderaPeerStream s) {
  NppiMaskSize m;
  switch (mask) {
    case 3: m = NPP_MASK_SIZE_3_X_3; break;
    case 5: m = NPP_MASK_SIZE_5_X_5; break;
    case 7: m = NPP_MASK_SIZE_7_X_7; break;
    case 9: m = NPP_MASK_SIZE_9_X_9; break;
    case 11: m = NPP_MASK_SIZE_11_X_11; break;
    case 13: m = NPP_MASK_SIZE_13_X_13; break;
    case 15: m = NPP_MASK_SIZE_15_X_15; break;
    default: return -1000;
  }
  const NppiSize size{w, h};
  if (channels == 1)
    return nppiFilterGaussBorder_8u_C1R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size, m,
                                            NPP_BORDER_REPLICATE, context_for(s));
  if (channels == 3)
    return nppiFilterGaussBorder_8u_C3R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size, m,
                                            NPP_BORDER_REPLICATE, context_for(s));
  return -1001;
}

int sobel_vert_8u(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, CalderaPeerStream s) {
  const NppiSize size{w, h};
  return nppiFilterSobelVertBorder_8u_C1R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size,
                                              NPP_BORDER_REPLICATE, context_for(s));
}

int box_8u(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int mask_w, int mask_h,
           CalderaPeerStream s) {
  const NppiSize size{w, h};
  return nppiFilterBoxBorder_8u_C1R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size, NppiSize{mask_w, mask_h},
                                        NppiPoint{mask_w / 2, mask_h / 2}, NPP_BORDER_REPLICATE, context_for(s));
}

int bilateral_8u(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int radius,
                 float val_square_sigma, float pos_square_sigma, CalderaPeerStream s) {
  const NppiSize size{w, h};
  return nppiFilterBilateralGaussBorder_8u_C1R_Ctx(src, src_step, size, NppiPoint{0, 0}, dst, dst_step, size, radius, 1,
                                                   val_square_sigma, pos_square_sigma, NPP_BORDER_REPLICATE,
                                                   context_for(s));
}

int lut_trilinear_8u_ac4(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                         unsigned int* values, CalderaU8* level_values[3], int levels[3], CalderaPeerStream s) {
  return nppiLUT_Trilinear_8u_AC4R_Ctx(src, src_step, dst, dst_step, NppiSize{w, h}, reinterpret_cast<Npp32u*>(values),
                                       level_values, levels, context_for(s));
}
#endif  // CALDERA_NPP_FILTERS

}  // namespace

extern "C" __attribute__((visibility("default"))) int caldera_npp_peer_init(CalderaNppPeer* peer) {
  if (!peer) return -1;
  std::memset(peer, 0, sizeof *peer);
  const NppLibraryVersion* v = nppGetLibVersion();
  if (v) std::snprintf(peer->version, sizeof peer->version, "%d.%d.%d", v->major, v->minor, v->build);
  peer->nv12_to_rgb709 = nv12_to_rgb709;
  peer->nv12_to_rgb601 = nv12_to_rgb601;
  peer->i420_to_rgb = i420_to_rgb;
  peer->rgb_to_i420 = rgb_to_i420;
  peer->swap_channels_c3 = swap_channels_c3;
  peer->rgb_to_rgba = rgb_to_rgba;
  peer->resize_8u = resize_8u;
  peer->rgb_to_planar_f32 = rgb_to_planar_f32;
#if CALDERA_NPP_FILTERS
  peer->canny_buffer_size = canny_buffer_size;
  peer->canny_8u = canny_8u;
  peer->gauss_8u = gauss_8u;
  peer->sobel_vert_8u = sobel_vert_8u;
  peer->box_8u = box_8u;
  peer->bilateral_8u = bilateral_8u;
  peer->lut_trilinear_8u_ac4 = lut_trilinear_8u_ac4;
#endif
  return 0;
}
