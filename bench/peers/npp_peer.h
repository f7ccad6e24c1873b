/* The NPP peer: a small plugin (libcaldera_npp_peer.so) built where NPP's headers exist, loaded
 * by `caldera bench` at run time so Caldera never links NPP. Every function takes device
 * pointers, row steps in bytes and a CUDA stream, queues NPP's work on that stream and returns
 * 0 or NPP's (negative) status code. */
#ifndef CALDERA_NPP_PEER_H
#define CALDERA_NPP_PEER_H

#ifdef __cplusplus
extern "C" {
#endif

struct CUstream_st;
typedef struct CUstream_st* CalderaPeerStream;
typedef unsigned char CalderaU8;

/* NPP interpolation modes as Caldera names them (mapped to NPPI_INTER_* inside the plugin). */
enum CalderaPeerInterp {
  CALDERA_PEER_NEAREST = 0,
  CALDERA_PEER_LINEAR = 1,
  CALDERA_PEER_CUBIC = 2,     /* NPPI_INTER_CUBIC */
  CALDERA_PEER_SUPER = 3,     /* NPPI_INTER_SUPER: area averaging for downscale */
  CALDERA_PEER_LANCZOS = 4,   /* NPPI_INTER_LANCZOS */
};

typedef struct CalderaNppPeer {
  char version[32];
  /* NV12 -> packed RGB or BGR, BT.709 (nppiNV12ToRGB_709HDTV_8u_P2C3R_Ctx / ToBGR). */
  int (*nv12_to_rgb709)(const CalderaU8* y, const CalderaU8* uv, int src_step, CalderaU8* dst, int dst_step, int w,
                        int h, int bgr, CalderaPeerStream s);
  /* NV12 -> RGB with NPP's BT.601 matrix (nppiNV12ToRGB_8u_P2C3R_Ctx). */
  int (*nv12_to_rgb601)(const CalderaU8* y, const CalderaU8* uv, int src_step, CalderaU8* dst, int dst_step, int w,
                        int h, CalderaPeerStream s);
  /* I420 (three planes) -> RGB (nppiYUV420ToRGB_8u_P3C3R_Ctx). */
  int (*i420_to_rgb)(const CalderaU8* y, int y_step, const CalderaU8* u, int u_step, const CalderaU8* v, int v_step,
                     CalderaU8* dst, int dst_step, int w, int h, CalderaPeerStream s);
  /* RGB -> I420 (nppiRGBToYUV420_8u_C3P3R_Ctx). */
  int (*rgb_to_i420)(const CalderaU8* src, int src_step, CalderaU8* y, int y_step, CalderaU8* u, int u_step,
                     CalderaU8* v, int v_step, int w, int h, CalderaPeerStream s);
  /* Packed 3-channel reorder, e.g. RGB -> BGR with order {2,1,0} (nppiSwapChannels_8u_C3R_Ctx). */
  int (*swap_channels_c3)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                          const int order[3], CalderaPeerStream s);
  /* RGB -> RGBA with alpha 255 (nppiSwapChannels_8u_C3C4R_Ctx). */
  int (*rgb_to_rgba)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                     CalderaPeerStream s);
  /* Resize of a whole image, 1 or 3 channels of 8 bit (nppiResize_8u_C1R_Ctx / C3R). */
  int (*resize_8u)(const CalderaU8* src, int src_step, int sw, int sh, CalderaU8* dst, int dst_step, int dw, int dh,
                   int channels, int interp, CalderaPeerStream s);
  /* Packed RGB 8 bit -> planar float32 in [0, 1]: nppiConvert_8u32f_C3R_Ctx into scratch, then
   * nppiMulC_32f_C3IR_Ctx and nppiCopy_32f_C3P3R_Ctx; `scratch` holds w*h*3 floats. */
  int (*rgb_to_planar_f32)(const CalderaU8* src, int src_step, float* planes[3], int plane_step, float* scratch,
                           int w, int h, CalderaPeerStream s);
  /* ---- edge detection and neighbourhood filters (nppif); every border replicates the edge ---- */
  /* Scratch bytes nppiFilterCannyBorder needs for a w x h frame (nppiFilterCannyBorderGetBufferSize),
   * or NPP's negative status. */
  int (*canny_buffer_size)(int w, int h);
  /* Canny on 8-bit gray with a Sobel mask of 3 or 5, L1 (l2 = 0) or L2 norm, thresholds as NPP's
   * Npp16s (nppiFilterCannyBorder_8u_C1R_Ctx); `scratch` holds canny_buffer_size(w, h) bytes. */
  int (*canny_8u)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int mask, int low,
                  int high, int l2, CalderaU8* scratch, CalderaPeerStream s);
  /* Gaussian with NPP's fixed mask of 3, 5, ..., 15, 1 or 3 channels (nppiFilterGaussBorder_8u_C1R_Ctx / C3R). */
  int (*gauss_8u)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int channels, int mask,
                  CalderaPeerStream s);
  /* Sobel 3x3 "vertical" (the x derivative), saturated to 8 bits (nppiFilterSobelVertBorder_8u_C1R_Ctx). */
  int (*sobel_vert_8u)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                       CalderaPeerStream s);
  /* Box mean of a mask_w x mask_h window centred like OpenCV's (nppiFilterBoxBorder_8u_C1R_Ctx). */
  int (*box_8u)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int mask_w, int mask_h,
                CalderaPeerStream s);
  /* Bilateral Gauss on 8-bit gray (nppiFilterBilateralGaussBorder_8u_C1R_Ctx): square window of the
   * given radius, squared sigmas of value and position. */
  int (*bilateral_8u)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h, int radius,
                      float val_square_sigma, float pos_square_sigma, CalderaPeerStream s);
  /* 3D LUT, trilinear, 4-channel 8 bit with alpha untouched (nppiLUT_Trilinear_8u_AC4R_Ctx). `values`:
   * device array of levels[2] planes (blue) of levels[1] rows (green) of levels[0] packed words
   * (red fastest), each R | G << 8 | B << 16; `level_values`: three host arrays holding the input code
   * of each level of R, G, B. */
  int (*lut_trilinear_8u_ac4)(const CalderaU8* src, int src_step, CalderaU8* dst, int dst_step, int w, int h,
                              unsigned int* values, CalderaU8* level_values[3], int levels[3], CalderaPeerStream s);
} CalderaNppPeer;

/* The plugin's one exported symbol: fills *peer, returns 0 on success. */
typedef int (*CalderaNppPeerInitFn)(CalderaNppPeer* peer);
#define CALDERA_NPP_PEER_INIT_SYMBOL "caldera_npp_peer_init"

#ifdef __cplusplus
}
#endif

#endif
