#include "support/bench.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "caldera/device_info.hpp"
#include "core/cuda_check.hpp"
#include "core/random_fill.hpp"
#include "core/sample_io.hpp"

namespace caldera::bench {

namespace {
std::vector<Registered>& registry() {
  static std::vector<Registered> r;
  return r;
}
}  // namespace

Registrar::Registrar(const char* name, BenchFn fn) { registry().push_back({name, fn}); }
const std::vector<Registered>& registered_benchmarks() { return registry(); }

std::string size_name(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

Result<double> BenchEnv::time_us(const std::function<Status(int)>& fn) { return time_us_on(ctx->stream(), fn); }

Result<double> BenchEnv::time_us_on(StreamHandle stream, const std::function<Status(int)>& fn) {
  CALDERA_ASSIGN_OR_RETURN(Event start, Event::create(true));
  CALDERA_ASSIGN_OR_RETURN(Event stop, Event::create(true));
  for (int i = 0; i < warmup; ++i) CALDERA_RETURN_IF_ERROR(fn(i));
  CALDERA_CUDA_TRY(cudaStreamSynchronize(stream));
  // Calls are timed in batches of kBatch queued back to back between two events, so the launch
  // latency of one call hides behind the previous one as in a real frame stream (one event pair
  // per call would add the few microseconds a launch takes to reach an idle GPU). The median of
  // the batches' per-call times is reported; every call uses the next input set of the rotation.
  constexpr int kBatch = 10;
  const int batches = std::max(5, reps / kBatch);
  std::vector<float> ms;
  ms.reserve(batches);
  int call = warmup;
  for (int b = 0; b < batches; ++b) {
    CALDERA_RETURN_IF_ERROR(start.record(stream));
    for (int k = 0; k < kBatch; ++k) CALDERA_RETURN_IF_ERROR(fn(call++));
    CALDERA_RETURN_IF_ERROR(stop.record(stream));
    CALDERA_RETURN_IF_ERROR(stop.synchronize());
    CALDERA_ASSIGN_OR_RETURN(float t, Event::elapsed_ms(start, stop));
    ms.push_back(t / kBatch);
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return static_cast<double>(ms[ms.size() / 2]) * 1000.0;
}

int rotation_count(size_t bytes) {
  int dev = 0;
  cudaGetDevice(&dev);
  int l2 = 0;
  cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev);
  if (l2 <= 0) l2 = 50 << 20;
  const size_t want = 2 * static_cast<size_t>(l2);
  const size_t n = (want + bytes - 1) / std::max<size_t>(bytes, 1);
  return static_cast<int>(std::clamp<size_t>(n, 2, 64));
}

Result<ImageSet> device_images(const ImageDesc& desc, int count, Context& ctx) {
  ImageSet set;
  for (int i = 0; i < count; ++i) {
    CALDERA_ASSIGN_OR_RETURN(Image img, Image::create(desc, MemoryKind::Device, &ctx));
    // Fill with a byte pattern so outputs never start as zeros either.
    for (int p = 0; p < img.view().num_planes(); ++p)
      CALDERA_CUDA_TRY(cudaMemsetAsync(img.view().plane(p).data, 0x5a,
                                       img.view().plane(p).pitch * plane_height(desc.format, p, desc.height),
                                       ctx.stream()));
    set.images.push_back(std::move(img));
  }
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  return set;
}

Result<ImageSet> random_device_images(const ImageDesc& desc, int count, uint64_t seed, Context& ctx) {
  ImageSet set;
  CALDERA_ASSIGN_OR_RETURN(Image host, Image::create(desc, MemoryKind::PinnedHost));
  for (int i = 0; i < count; ++i) {
    fill_random_samples(host.view(), seed + static_cast<uint64_t>(i));
    CALDERA_ASSIGN_OR_RETURN(Image dev, Image::create(desc, MemoryKind::Device, &ctx));
    CALDERA_RETURN_IF_ERROR(copy_image(host.view(), dev.view(), ctx));
    CALDERA_RETURN_IF_ERROR(ctx.synchronize());  // the pinned staging image is reused
    set.images.push_back(std::move(dev));
  }
  return set;
}

Result<double> max_abs_diff(ConstImageView a, ConstImageView b, Context& ctx) {
  if (a.width() != b.width() || a.height() != b.height() || a.format() != b.format())
    return invalid_argument("max_abs_diff: images differ in shape");
  CALDERA_ASSIGN_OR_RETURN(Image ha, Image::create(a.desc(), MemoryKind::Host));
  CALDERA_ASSIGN_OR_RETURN(Image hb, Image::create(b.desc(), MemoryKind::Host));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  CALDERA_RETURN_IF_ERROR(copy_image(a, ha.view(), ctx));
  CALDERA_RETURN_IF_ERROR(copy_image(b, hb.view(), ctx));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  const FormatInfo& fi = format_info(a.format());
  double worst = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    const int n = plane_width(a.format(), p, a.width()) * fi.planes[p].channels;
    for (int y = 0; y < plane_height(a.format(), p, a.height()); ++y) {
      const uint8_t* ra = ha.view().row(p, y);
      const uint8_t* rb = hb.view().row(p, y);
      for (int x = 0; x < n; ++x) {
        const double va = load_sample(ra, x, fi.sample, 0), vb = load_sample(rb, x, fi.sample, 0);
        worst = std::max(worst, std::fabs(va - vb));
      }
    }
  }
  return worst;
}

Result<double> measure_copy_gbps(BenchEnv& env, size_t bytes) {
  // Several buffer pairs so the copies stream from device memory, not L2.
  std::vector<DeviceBuffer> src, dst;
  for (int i = 0; i < 2; ++i) {
    CALDERA_ASSIGN_OR_RETURN(DeviceBuffer s, DeviceBuffer::allocate(bytes, env.ctx->stream()));
    CALDERA_ASSIGN_OR_RETURN(DeviceBuffer d, DeviceBuffer::allocate(bytes, env.ctx->stream()));
    CALDERA_CUDA_TRY(cudaMemsetAsync(s.data(), 0x3c, bytes, env.ctx->stream()));
    src.push_back(std::move(s));
    dst.push_back(std::move(d));
  }
  BenchEnv quick = env;
  quick.warmup = 3;
  quick.reps = 20;
  CALDERA_ASSIGN_OR_RETURN(double us, quick.time_us([&](int i) {
    return cuda_status(cudaMemcpyAsync(dst[i % 2].data(), src[i % 2].data(), bytes, cudaMemcpyDeviceToDevice,
                                       env.ctx->stream()),
                       "cudaMemcpyAsync");
  }));
  return 2.0 * static_cast<double>(bytes) / (us * 1e-6) / 1e9;
}

}  // namespace caldera::bench
