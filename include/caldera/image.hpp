// Images: a description (size, format, color), where the bytes live, and up to three planes with
// their own pitch. Views never own memory; Image owns one block holding all its planes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "caldera/color.hpp"
#include "caldera/pixel_format.hpp"
#include "caldera/status.hpp"

namespace caldera {

class Context;

enum class MemoryKind : uint8_t { Host, PinnedHost, Device };
const char* memory_kind_name(MemoryKind k);
inline bool is_host_memory(MemoryKind k) { return k != MemoryKind::Device; }

struct ImageDesc {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::RGB24;
  ColorDesc color{};
};

// Checks that a description can be allocated: positive size within limits, even sizes where
// the format's chroma subsampling needs them is *not* required (odd sizes round chroma up).
Status validate_desc(const ImageDesc& desc, const char* what);

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

template <class Byte>
struct BasicPlane {
  Byte* data = nullptr;
  size_t pitch = 0;  // bytes from one row to the next
};

template <class Byte>
class BasicImageView {
 public:
  using Plane = BasicPlane<Byte>;
  BasicImageView() = default;
  BasicImageView(const ImageDesc& desc, MemoryKind memory, const std::array<Plane, 3>& planes, int device = -1)
      : desc_(desc), memory_(memory), device_(device), planes_(planes) {}
  // A mutable view converts to a const one.
  template <class Other, class = std::enable_if_t<std::is_const_v<Byte> && !std::is_const_v<Other>>>
  BasicImageView(const BasicImageView<Other>& o)  // NOLINT
      : desc_(o.desc()), memory_(o.memory()), device_(o.device()) {
    for (int i = 0; i < 3; ++i) planes_[i] = {o.plane(i).data, o.plane(i).pitch};
  }

  const ImageDesc& desc() const { return desc_; }
  int width() const { return desc_.width; }
  int height() const { return desc_.height; }
  PixelFormat format() const { return desc_.format; }
  const ColorDesc& color() const { return desc_.color; }
  void set_color(const ColorDesc& c) { desc_.color = c; }
  MemoryKind memory() const { return memory_; }
  int device() const { return device_; }
  bool on_device() const { return memory_ == MemoryKind::Device; }
  bool empty() const { return planes_[0].data == nullptr; }
  int num_planes() const { return format_info(desc_.format).num_planes; }
  const Plane& plane(int i) const { return planes_[i]; }
  Byte* row(int plane, int y) const { return planes_[plane].data + planes_[plane].pitch * static_cast<size_t>(y); }

  // A view of a sub-rectangle. For subsampled formats x, y (and the size, unless it reaches the
  // right or bottom edge) must be multiples of the subsampling, so chroma stays aligned.
  Result<BasicImageView> sub_view(const Rect& r) const;

 private:
  ImageDesc desc_{};
  MemoryKind memory_ = MemoryKind::Host;
  int device_ = -1;
  std::array<Plane, 3> planes_{};
};

using ImageView = BasicImageView<uint8_t>;
using ConstImageView = BasicImageView<const uint8_t>;

// An owning image: one allocation holding every plane, rows padded to an aligned pitch.
class Image {
 public:
  Image() = default;
  Image(Image&&) noexcept = default;
  Image& operator=(Image&&) noexcept = default;
  ~Image() = default;

  // Host and pinned memory need no context; device memory comes from ctx's stream-ordered pool.
  static Result<Image> create(const ImageDesc& desc, MemoryKind memory, Context* ctx = nullptr);
  // An image over memory someone else owns (a decoder's frame buffer): `owner` stays alive as
  // long as the image does. Such an image is never reused as a destination by the sources.
  static Image wrap(const ImageView& view, std::shared_ptr<void> owner);

  ImageView view() { return view_; }
  ConstImageView view() const { return view_; }
  ConstImageView cview() const { return view_; }
  const ImageDesc& desc() const { return view_.desc(); }
  int width() const { return view_.width(); }
  int height() const { return view_.height(); }
  PixelFormat format() const { return view_.format(); }
  MemoryKind memory() const { return view_.memory(); }
  bool empty() const { return view_.empty(); }
  void set_color(const ColorDesc& c) { view_.set_color(c); }
  // False for wrap()ped images.
  bool owns_memory() const { return owns_; }

 private:
  std::shared_ptr<void> storage_;
  ImageView view_;
  bool owns_ = true;
};

// Copies pixels between any two memories (host, pinned, device) for images of equal size and
// format. Device copies are queued on ctx's stream; host-to-host copies run at once.
Status copy_image(ConstImageView src, ImageView dst, Context& ctx);

// A view of item `index` of a dense NCHW tensor (batch x 3 x height x width) of float32
// (rgbf32p) or float16 (rgbf16p) at `data`: the layout models take. Views of several items let
// the model-input path fill a batch in place.
Result<ImageView> nchw_tensor_view(void* data, int batch, int index, int width, int height, PixelFormat format,
                                   MemoryKind memory, int device = -1);

// Bytes an image of this description takes with tight rows (what a frame moves through memory).
size_t tight_size_bytes(const ImageDesc& desc);

}  // namespace caldera
