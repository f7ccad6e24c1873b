// The nvJPEG plugin: Caldera's GPU JPEG decoder (the A100/H100 have a hardware JPEG engine that
// nvJPEG uses for baseline images). Compiled on the GPU machine by scripts/device/run.sh, or by
// CMake wherever nvjpeg.h is found; see nvjpeg_plugin.h for the interface.
#include "nvjpeg_plugin.h"

#include <cuda_runtime.h>
#include <nvjpeg.h>

#include <cstdio>
#include <new>

// Two nvJPEG instances: the hardware JPEG engine (A100/H100; baseline JPEGs only, and only
// through the batched API, here with batches of one) and the default CUDA backend for the rest
// and for GPUs without the engine.
struct CalderaNvjpegDecoder {
  nvjpegHandle_t hw = nullptr;
  nvjpegJpegState_t hw_state = nullptr;
  nvjpegOutputFormat_t hw_format = NVJPEG_OUTPUT_UNCHANGED;  // what the batched state was set up for
  nvjpegHandle_t sw = nullptr;
  nvjpegJpegState_t sw_state = nullptr;
};

namespace {

int fail(char* err, size_t n, const char* what, int code) {
  if (err && n) std::snprintf(err, n, "%s (nvJPEG status %d)", what, code);
  return code == 0 ? -1 : code;
}

void destroy(CalderaNvjpegDecoder* d) {
  if (!d) return;
  if (d->hw_state) nvjpegJpegStateDestroy(d->hw_state);
  if (d->hw) nvjpegDestroy(d->hw);
  if (d->sw_state) nvjpegJpegStateDestroy(d->sw_state);
  if (d->sw) nvjpegDestroy(d->sw);
  delete d;
}

CalderaNvjpegDecoder* create(char* err, size_t n) {
  auto* d = new (std::nothrow) CalderaNvjpegDecoder;
  if (!d) {
    fail(err, n, "out of memory", -1);
    return nullptr;
  }
  nvjpegStatus_t s = nvjpegCreateSimple(&d->sw);
  if (s == NVJPEG_STATUS_SUCCESS) s = nvjpegJpegStateCreate(d->sw, &d->sw_state);
  if (s != NVJPEG_STATUS_SUCCESS) {
    fail(err, n, "nvJPEG did not start", s);
    destroy(d);
    return nullptr;
  }
  // The hardware engine is optional: without it every image takes the CUDA backend.
  if (nvjpegCreateEx(NVJPEG_BACKEND_HARDWARE, nullptr, nullptr, 0, &d->hw) != NVJPEG_STATUS_SUCCESS ||
      nvjpegJpegStateCreate(d->hw, &d->hw_state) != NVJPEG_STATUS_SUCCESS) {
    if (d->hw) nvjpegDestroy(d->hw);
    d->hw = nullptr;
    d->hw_state = nullptr;
  }
  return d;
}

int info(CalderaNvjpegDecoder* d, const uint8_t* data, size_t size, int* width, int* height, int* components,
         char* err, size_t n) {
  int w[NVJPEG_MAX_COMPONENT] = {0}, h[NVJPEG_MAX_COMPONENT] = {0};
  nvjpegChromaSubsampling_t css;
  int comps = 0;
  const nvjpegStatus_t s = nvjpegGetImageInfo(d->sw, data, size, &comps, &css, w, h);
  if (s != NVJPEG_STATUS_SUCCESS) return fail(err, n, "not a JPEG nvJPEG can read", s);
  if (comps != 1 && comps != 3) return fail(err, n, "only gray and 3-component JPEGs are decoded on the GPU", -2);
  *width = w[0];
  *height = h[0];
  *components = comps;
  return 0;
}

int decode(CalderaNvjpegDecoder* d, const uint8_t* data, size_t size, int components, uint8_t* dst, size_t pitch,
           void* stream, char* err, size_t n) {
  nvjpegImage_t out{};
  out.channel[0] = dst;
  out.pitch[0] = pitch;
  const nvjpegOutputFormat_t fmt = components == 1 ? NVJPEG_OUTPUT_Y : NVJPEG_OUTPUT_RGBI;
  auto cu = static_cast<cudaStream_t>(stream);
  // The engine takes baseline JPEGs; anything else fails there and goes to the CUDA backend.
  if (d->hw) {
    bool ready = d->hw_format == fmt;
    if (!ready && nvjpegDecodeBatchedInitialize(d->hw, d->hw_state, 1, 1, fmt) == NVJPEG_STATUS_SUCCESS) {
      d->hw_format = fmt;
      ready = true;
    }
    const unsigned char* datas[1] = {data};
    size_t sizes[1] = {size};
    if (ready && nvjpegDecodeBatched(d->hw, d->hw_state, datas, sizes, &out, cu) == NVJPEG_STATUS_SUCCESS) return 0;
  }
  const nvjpegStatus_t s = nvjpegDecode(d->sw, d->sw_state, data, size, fmt, &out, cu);
  if (s != NVJPEG_STATUS_SUCCESS) return fail(err, n, "nvjpegDecode failed", s);
  return 0;
}

}  // namespace

extern "C" int caldera_nvjpeg_init(CalderaNvjpeg* out) {
  if (!out) return -1;
  out->abi = CALDERA_NVJPEG_ABI;
  out->create = create;
  out->destroy = destroy;
  out->info = info;
  out->decode = decode;
  return 0;
}
