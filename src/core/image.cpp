#include "caldera/image.hpp"

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "caldera/context.hpp"
#include "caldera/memory.hpp"
#include "core/cuda_check.hpp"

namespace caldera {

const char* memory_kind_name(MemoryKind k) {
  switch (k) {
    case MemoryKind::Host: return "host";
    case MemoryKind::PinnedHost: return "pinned host";
    case MemoryKind::Device: return "device";
  }
  return "?";
}

// 64 Ki x 64 Ki is far beyond any video frame; the limit keeps size arithmetic in range.
static constexpr int kMaxDimension = 65536;

Status validate_desc(const ImageDesc& desc, const char* what) {
  if (desc.width <= 0 || desc.height <= 0)
    return invalid_argument(std::string(what) + ": image size " + std::to_string(desc.width) + "x" +
                            std::to_string(desc.height) + " is empty or negative");
  if (desc.width > kMaxDimension || desc.height > kMaxDimension)
    return invalid_argument(std::string(what) + ": image size " + std::to_string(desc.width) + "x" +
                            std::to_string(desc.height) + " exceeds the " + std::to_string(kMaxDimension) +
                            " pixel limit");
  if (static_cast<int>(desc.format) >= kPixelFormatCount)
    return invalid_argument(std::string(what) + ": pixel format value out of range");
  return Status::ok();
}

template <class Byte>
Result<BasicImageView<Byte>> BasicImageView<Byte>::sub_view(const Rect& r) const {
  if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || r.x + r.width > width() || r.y + r.height > height())
    return invalid_argument("sub_view: rect " + std::to_string(r.width) + "x" + std::to_string(r.height) + "+" +
                            std::to_string(r.x) + "+" + std::to_string(r.y) + " is not inside the " +
                            std::to_string(width()) + "x" + std::to_string(height()) + " image");
  const FormatInfo& fi = format_info(format());
  int sx = 0, sy = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    sx = std::max(sx, fi.planes[p].sub_x);
    sy = std::max(sy, fi.planes[p].sub_y);
  }
  const int ax = 1 << sx, ay = 1 << sy;
  const bool w_ok = r.width % ax == 0 || r.x + r.width == width();
  const bool h_ok = r.height % ay == 0 || r.y + r.height == height();
  if (r.x % ax || r.y % ay || !w_ok || !h_ok)
    return invalid_argument(std::string("sub_view: ") + fi.name + " chroma is subsampled " + std::to_string(ax) + "x" +
                            std::to_string(ay) + ", so the rect's origin and size must be multiples of that");
  BasicImageView out = *this;
  out.desc_.width = r.width;
  out.desc_.height = r.height;
  for (int p = 0; p < fi.num_planes; ++p) {
    const auto& pl = fi.planes[p];
    const size_t x_bytes = static_cast<size_t>(r.x >> pl.sub_x) * pl.channels * pl.bytes_per_sample;
    out.planes_[p].data = planes_[p].data + planes_[p].pitch * static_cast<size_t>(r.y >> pl.sub_y) + x_bytes;
  }
  return out;
}

template class BasicImageView<uint8_t>;
template class BasicImageView<const uint8_t>;

Result<ImageView> nchw_tensor_view(void* data, int batch, int index, int width, int height, PixelFormat format,
                                   MemoryKind memory, int device) {
  if (format != PixelFormat::RGBPlanarF32 && format != PixelFormat::RGBPlanarF16)
    return invalid_argument(std::string("nchw_tensor_view: format must be rgbf32p or rgbf16p, not ") + format_name(format));
  if (!data) return invalid_argument("nchw_tensor_view: data is null");
  if (batch <= 0 || index < 0 || index >= batch)
    return invalid_argument("nchw_tensor_view: index " + std::to_string(index) + " is outside a batch of " +
                            std::to_string(batch));
  const ImageDesc desc{width, height, format};
  CALDERA_RETURN_IF_ERROR(validate_desc(desc, "nchw_tensor_view"));
  const size_t row = static_cast<size_t>(width) * format_info(format).planes[0].bytes_per_sample;
  const size_t plane = row * static_cast<size_t>(height);
  uint8_t* base = static_cast<uint8_t*>(data) + plane * 3 * static_cast<size_t>(index);
  return ImageView(desc, memory, {{{base, row}, {base + plane, row}, {base + 2 * plane, row}}}, device);
}

size_t tight_size_bytes(const ImageDesc& desc) {
  const FormatInfo& fi = format_info(desc.format);
  size_t total = 0;
  for (int p = 0; p < fi.num_planes; ++p)
    total += static_cast<size_t>(plane_row_bytes(desc.format, p, desc.width)) * plane_height(desc.format, p, desc.height);
  return total;
}

Result<Image> Image::create(const ImageDesc& desc, MemoryKind memory, Context* ctx) {
  CALDERA_RETURN_IF_ERROR(validate_desc(desc, "Image::create"));
  const FormatInfo& fi = format_info(desc.format);
  // Device rows are aligned to 256 bytes (full 128-byte lines and 16-byte vector access);
  // host rows to 64.
  const size_t align = memory == MemoryKind::Device ? 256 : 64;
  size_t offsets[3] = {0, 0, 0};
  size_t pitches[3] = {0, 0, 0};
  size_t total = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    pitches[p] = (static_cast<size_t>(plane_row_bytes(desc.format, p, desc.width)) + align - 1) / align * align;
    offsets[p] = total;
    total += pitches[p] * plane_height(desc.format, p, desc.height);
  }

  Image img;
  uint8_t* base = nullptr;
  int device = -1;
  switch (memory) {
    case MemoryKind::Host: {
      void* p = std::aligned_alloc(align, total);
      if (!p) return out_of_memory("Image::create: cannot allocate " + std::to_string(total) + " bytes of host memory");
      img.storage_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
      base = static_cast<uint8_t*>(p);
      break;
    }
    case MemoryKind::PinnedHost: {
      CALDERA_ASSIGN_OR_RETURN(PinnedBuffer buf, PinnedBuffer::allocate(total));
      base = static_cast<uint8_t*>(buf.data());
      img.storage_ = std::make_shared<PinnedBuffer>(std::move(buf));
      break;
    }
    case MemoryKind::Device: {
      if (!ctx || !ctx->is_cuda())
        return invalid_argument("Image::create: device memory needs a CUDA context");
      CALDERA_ASSIGN_OR_RETURN(DeviceBuffer buf, DeviceBuffer::allocate(total, ctx->stream()));
      base = static_cast<uint8_t*>(buf.data());
      device = ctx->device();
      img.storage_ = std::make_shared<DeviceBuffer>(std::move(buf));
      break;
    }
  }
  std::array<ImageView::Plane, 3> planes{};
  for (int p = 0; p < fi.num_planes; ++p) planes[p] = {base + offsets[p], pitches[p]};
  img.view_ = ImageView(desc, memory, planes, device);
  return img;
}

Image Image::wrap(const ImageView& view, std::shared_ptr<void> owner) {
  Image img;
  img.storage_ = std::move(owner);
  img.view_ = view;
  img.owns_ = false;
  return img;
}

Status copy_image(ConstImageView src, ImageView dst, Context& ctx) {
  if (src.width() != dst.width() || src.height() != dst.height() || src.format() != dst.format())
    return invalid_argument("copy_image: src is " + std::to_string(src.width()) + "x" + std::to_string(src.height()) +
                            " " + format_name(src.format()) + " but dst is " + std::to_string(dst.width()) + "x" +
                            std::to_string(dst.height()) + " " + format_name(dst.format()));
  const int planes = src.num_planes();
  if (is_host_memory(src.memory()) && is_host_memory(dst.memory())) {
    for (int p = 0; p < planes; ++p) {
      const size_t row = plane_row_bytes(src.format(), p, src.width());
      for (int y = 0; y < plane_height(src.format(), p, src.height()); ++y) std::memcpy(dst.row(p, y), src.row(p, y), row);
    }
    return Status::ok();
  }
  if (!ctx.is_cuda()) return invalid_argument("copy_image: copying to or from device memory needs a CUDA context");
  for (int p = 0; p < planes; ++p) {
    CALDERA_CUDA_TRY(cudaMemcpy2DAsync(dst.plane(p).data, dst.plane(p).pitch, src.plane(p).data, src.plane(p).pitch,
                                       plane_row_bytes(src.format(), p, src.width()),
                                       plane_height(src.format(), p, src.height()), cudaMemcpyDefault, ctx.stream()));
  }
  return Status::ok();
}

}  // namespace caldera
