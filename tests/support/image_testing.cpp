#include "support/image_testing.hpp"

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>

#include "caldera/half.hpp"
#include "core/random_fill.hpp"
#include "core/sample_io.hpp"

namespace caldera::testing {

Image random_image(const ImageDesc& desc, uint64_t seed) {
  auto r = Image::create(desc, MemoryKind::Host);
  if (!r) throw std::runtime_error(r.status().to_string());
  Image img = std::move(r).value();
  fill_random_samples(img.view(), seed);
  return img;
}

Image random_image(int width, int height, PixelFormat format, uint64_t seed, ColorDesc color) {
  return random_image(ImageDesc{width, height, format, color}, seed);
}

Image filled_image(const ImageDesc& desc, uint8_t byte, MemoryKind memory, Context* ctx) {
  auto r = Image::create(desc, memory, ctx);
  if (!r) throw std::runtime_error(r.status().to_string());
  Image img = std::move(r).value();
  const FormatInfo& fi = format_info(desc.format);
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t bytes = img.view().plane(p).pitch * plane_height(desc.format, p, desc.height);
    if (memory == MemoryKind::Device) {
      Image host = filled_image(desc, byte);
      Status s = copy_image(host.view(), img.view(), *ctx);
      if (!s) throw std::runtime_error(s.to_string());
      s = ctx->synchronize();
      if (!s) throw std::runtime_error(s.to_string());
      return img;
    }
    std::memset(img.view().plane(p).data, byte, bytes);
  }
  return img;
}

Context* gpu_context() {
  static std::unique_ptr<Context> ctx = []() -> std::unique_ptr<Context> {
    if (cuda_device_count() == 0) return nullptr;
    auto r = Context::cuda(0);
    if (!r) return nullptr;
    return std::make_unique<Context>(std::move(r).value());
  }();
  return ctx.get();
}

Image to_device(ConstImageView host, Context& ctx) {
  auto r = Image::create(host.desc(), MemoryKind::Device, &ctx);
  if (!r) throw std::runtime_error(r.status().to_string());
  Image dev = std::move(r).value();
  Status s = copy_image(host, dev.view(), ctx);
  if (s) s = ctx.synchronize();
  if (!s) throw std::runtime_error(s.to_string());
  return dev;
}

Image to_host(ConstImageView device, Context& ctx) {
  auto r = Image::create(device.desc(), MemoryKind::Host);
  if (!r) throw std::runtime_error(r.status().to_string());
  Image host = std::move(r).value();
  Status s = ctx.synchronize();  // the producer's kernels first: their errors surface here
  if (s) s = copy_image(device, host.view(), ctx);
  if (s) s = ctx.synchronize();
  if (!s) throw std::runtime_error(s.to_string());
  return host;
}

double sample_at(ConstImageView img, int plane, int x, int y, int c) {
  const FormatInfo& fi = format_info(img.format());
  // Shift 0: integer samples as stored (P010's whole word), so tests compare what is in memory.
  return load_sample(img.row(plane, y), static_cast<size_t>(x) * fi.planes[plane].channels + c, fi.sample, 0);
}

std::string ImageDiff::to_string() const {
  std::ostringstream os;
  os << "max |got - want| = " << max_abs << " at plane " << plane << " (" << x << ", " << y << ") channel " << channel
     << ": got " << got << ", want " << want << "; " << samples_over_tol << " of " << samples
     << " samples over tolerance";
  return os.str();
}

ImageDiff compare_images(ConstImageView got, ConstImageView want, double tol) {
  ImageDiff d;
  const FormatInfo& fi = format_info(want.format());
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(want.format(), p, want.width());
    const int h = plane_height(want.format(), p, want.height());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < fi.planes[p].channels; ++c) {
          const double g = sample_at(got, p, x, y, c), e = sample_at(want, p, x, y, c);
          double diff = std::fabs(g - e);
          if (std::isnan(g) != std::isnan(e)) diff = INFINITY;
          else if (std::isnan(g)) diff = 0;
          ++d.samples;
          if (diff > tol) ++d.samples_over_tol;
          if (diff > d.max_abs || (d.samples == 1 && diff >= d.max_abs)) {
            d = ImageDiff{diff, p, x, y, c, g, e, d.samples_over_tol, d.samples};
          }
        }
  }
  return d;
}

::testing::AssertionResult images_close(ConstImageView got, ConstImageView want, double tol) {
  if (got.width() != want.width() || got.height() != want.height() || got.format() != want.format())
    return ::testing::AssertionFailure() << "image shapes differ: got " << got.width() << "x" << got.height() << " "
                                         << format_name(got.format()) << ", want " << want.width() << "x"
                                         << want.height() << " " << format_name(want.format());
  if (!is_host_memory(got.memory()) || !is_host_memory(want.memory()))
    return ::testing::AssertionFailure() << "images_close compares host images; copy device images with to_host()";
  ImageDiff d = compare_images(got, want, tol);
  if (d.samples_over_tol == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "images differ beyond tolerance " << tol << " (" << want.width() << "x"
                                       << want.height() << " " << format_name(want.format()) << "): " << d.to_string();
}

::testing::AssertionResult images_mostly_close(ConstImageView got, ConstImageView want, double tol, double fraction,
                                               double hard_tol) {
  ::testing::AssertionResult shapes = images_close(got, want, INFINITY);
  if (!shapes) return shapes;
  const ImageDiff d = compare_images(got, want, tol);
  const ImageDiff hard = compare_images(got, want, hard_tol);
  const double allowed = std::ceil(fraction * static_cast<double>(d.samples));
  if (hard.samples_over_tol == 0 && static_cast<double>(d.samples_over_tol) <= allowed)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "images differ (" << want.width() << "x" << want.height() << " "
                                       << format_name(want.format()) << "): " << d.samples_over_tol << " samples beyond "
                                       << tol << " (at most " << allowed << " allowed), " << hard.samples_over_tol
                                       << " beyond " << hard_tol << " (none allowed); " << d.to_string();
}

}  // namespace caldera::testing
