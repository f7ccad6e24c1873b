#include "io/nvjpeg/gpu_jpeg.hpp"

#include <fstream>
#include <mutex>
#include <vector>

#include "core/plugin.hpp"
#include "io/codecs.hpp"
#include "io/nvjpeg/nvjpeg_plugin.h"

namespace caldera::io {

struct GpuJpegDecoder::Impl {
  CalderaNvjpeg api{};
  CalderaNvjpegDecoder* decoder = nullptr;
  std::mutex mutex;  // one nvJPEG state: one decode at a time
};

GpuJpegDecoder::~GpuJpegDecoder() {
  if (impl_ && impl_->decoder) impl_->api.destroy(impl_->decoder);
}

Result<std::shared_ptr<GpuJpegDecoder>> GpuJpegDecoder::load() {
  auto plugin = load_plugin(plugin_candidates("CALDERA_NVJPEG_PLUGIN", "libcaldera_nvjpeg.so"), CALDERA_NVJPEG_INIT_SYMBOL);
  if (!plugin) return unavailable("the nvJPEG plugin libcaldera_nvjpeg.so is not present (" + plugin.status().message() + ")");
  std::shared_ptr<GpuJpegDecoder> d(new GpuJpegDecoder);
  d->impl_ = std::make_unique<Impl>();
  auto init = reinterpret_cast<CalderaNvjpegInitFn>(plugin->entry);
  if (init(&d->impl_->api) != 0 || d->impl_->api.abi != CALDERA_NVJPEG_ABI)
    return unavailable(plugin->path + " is not a Caldera nvJPEG plugin of this version");
  char err[256] = {0};
  d->impl_->decoder = d->impl_->api.create(err, sizeof err);
  if (!d->impl_->decoder) return unavailable(std::string("nvJPEG: ") + err);
  return d;
}

Result<Image> GpuJpegDecoder::decode_file(const std::string& path, Context& ctx) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open '" + path + "'");
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.empty()) return io_error(path + ": the file is empty");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  char err[256] = {0};
  int w = 0, h = 0, comps = 0;
  if (impl_->api.info(impl_->decoder, data.data(), data.size(), &w, &h, &comps, err, sizeof err) != 0)
    return io_error(path + ": " + err);
  ImageDesc desc{w, h, comps == 1 ? PixelFormat::Gray8 : PixelFormat::RGB24, io_internal::still_image_color()};
  CALDERA_RETURN_IF_ERROR(validate_desc(desc, path.c_str()));
  if (tight_size_bytes(desc) > io_internal::kMaxDecodedBytes)
    return io_error(path + ": image size " + std::to_string(w) + "x" + std::to_string(h) + " exceeds the " +
                    std::to_string(io_internal::kMaxDecodedBytes >> 20) + " MiB limit for decoded images");
  CALDERA_ASSIGN_OR_RETURN(Image img, Image::create(desc, MemoryKind::Device, &ctx));
  ImageView v = img.view();
  if (impl_->api.decode(impl_->decoder, data.data(), data.size(), comps, v.plane(0).data, v.plane(0).pitch,
                        ctx.stream(), err, sizeof err) != 0)
    return io_error(path + ": " + err);
  return img;
}

}  // namespace caldera::io
