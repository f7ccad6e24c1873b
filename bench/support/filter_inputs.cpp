#include "support/filter_inputs.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#include "caldera/io/image_file.hpp"
#include "caldera/ops/color_convert.hpp"
#include "caldera/ops/resize.hpp"
#include "core/sample_io.hpp"

namespace caldera::bench {

Result<ImageSet> photo_4k_gray_set(int count, Context& ctx) {
  const char* dir = std::getenv("CALDERA_EXAMPLES_DIR");
  const std::string path = std::string(dir ? dir : "examples") + "/photo_coffee.png";
  CALDERA_ASSIGN_OR_RETURN(Image rgb, read_image_file(path));
  CALDERA_ASSIGN_OR_RETURN(Image gray, Image::create({rgb.width(), rgb.height(), PixelFormat::Gray8}, MemoryKind::Host));
  CALDERA_RETURN_IF_ERROR(convert_reference(rgb.view(), gray.view(), ConvertParams{}));
  CALDERA_ASSIGN_OR_RETURN(Image big, Image::create({3840, 2160, PixelFormat::Gray8}, MemoryKind::Host));
  ResizeParams rp;
  rp.interp = Interp::Bicubic;
  CALDERA_RETURN_IF_ERROR(resize_reference(gray.view(), big.view(), rp));
  ImageSet set;
  for (int i = 0; i < count; ++i) {
    CALDERA_ASSIGN_OR_RETURN(Image dev, Image::create(big.desc(), MemoryKind::Device, &ctx));
    CALDERA_RETURN_IF_ERROR(copy_image(big.view(), dev.view(), ctx));
    set.images.push_back(std::move(dev));
  }
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  return set;
}

namespace {
Result<Image> host_copy(ConstImageView dev, Context& ctx) {
  CALDERA_ASSIGN_OR_RETURN(Image h, Image::create(dev.desc(), MemoryKind::Host));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  CALDERA_RETURN_IF_ERROR(copy_image(dev, h.view(), ctx));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  return h;
}

long differing(ConstImageView a, ConstImageView b) {
  const FormatInfo& fi = format_info(a.format());
  long n = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t bytes = static_cast<size_t>(plane_row_bytes(a.format(), p, a.width()));
    const int bps = fi.planes[p].bytes_per_sample;
    for (int y = 0; y < plane_height(a.format(), p, a.height()); ++y)
      for (size_t i = 0; i < bytes; i += bps) n += std::memcmp(a.row(p, y) + i, b.row(p, y) + i, bps) != 0;
  }
  return n;
}
}  // namespace

Result<long> count_differing(ConstImageView a, ConstImageView b, Context& ctx) {
  if (a.width() != b.width() || a.height() != b.height() || a.format() != b.format())
    return invalid_argument("count_differing: images differ in shape");
  CALDERA_ASSIGN_OR_RETURN(Image ha, host_copy(a, ctx));
  CALDERA_ASSIGN_OR_RETURN(Image hb, host_copy(b, ctx));
  return differing(ha.view(), hb.view());
}

Result<long> matches_reference_gray(ConstImageView src, ConstImageView got, Context& ctx,
                                    const std::function<Status(ConstImageView, ImageView)>& reference) {
  CALDERA_ASSIGN_OR_RETURN(Image hs, host_copy(src, ctx));
  CALDERA_ASSIGN_OR_RETURN(Image hg, host_copy(got, ctx));
  CALDERA_ASSIGN_OR_RETURN(Image want, Image::create(got.desc(), MemoryKind::Host));
  CALDERA_RETURN_IF_ERROR(reference(hs.view(), want.view()));
  return differing(hg.view(), want.view());
}

}  // namespace caldera::bench
