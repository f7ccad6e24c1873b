// open_media_source / make_media_sink: the file family from the extension (raw frames also by
// --input-format), then that family's reader or writer.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "io/media_internal.hpp"
#include "io/nvjpeg/gpu_jpeg.hpp"
#include "io/video/video_io.hpp"

namespace caldera {
namespace io {

std::string lower_extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

void stamp_frame(Frame& frame, long index, Rational time_base) {
  frame.index = index;
  frame.pts = index;
  frame.duration = 1;
  frame.time_base = time_base;
  frame.passthrough.clear();
}

Status ensure_frame_image(Frame& frame, const ImageDesc& desc, MemoryKind memory, Context* ctx) {
  const ImageDesc& have = frame.image.desc();
  // Pinned memory serves wherever host memory is asked for.
  const bool same_memory = frame.image.memory() == memory || (is_host_memory(memory) && is_host_memory(frame.image.memory()));
  if (!frame.image.empty() && frame.image.owns_memory() && same_memory && have.width == desc.width &&
      have.height == desc.height && have.format == desc.format) {
    frame.image.set_color(desc.color);
    return Status::ok();
  }
  CALDERA_ASSIGN_OR_RETURN(frame.image, Image::create(desc, memory, ctx));
  return Status::ok();
}

}  // namespace io

namespace io {
void fill_ffmpeg_capabilities(MediaCapabilities& c);  // video/av_common.cpp
}

MediaCapabilities media_capabilities() {
  MediaCapabilities c;
  io::fill_ffmpeg_capabilities(c);
  auto gpu = io::GpuJpegDecoder::load();
  c.nvjpeg_plugin = gpu.is_ok();
  c.nvjpeg_detail = gpu ? "loaded" : gpu.status().message();
  return c;
}

Result<int64_t> parse_bitrate(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  double scale = 1;
  if (end && (*end == 'k' || *end == 'K')) scale = 1e3, ++end;
  else if (end && (*end == 'm' || *end == 'M')) scale = 1e6, ++end;
  if (s.empty() || !end || *end != '\0' || !(v > 0) || v * scale > 1e12)
    return invalid_argument("--bitrate '" + s + "' is not a rate such as 8M or 2500k");
  return static_cast<int64_t>(v * scale);
}

Result<std::unique_ptr<MediaSource>> open_media_source(const std::string& path, const SourceOptions& options) {
  std::error_code ec;
  if (is_image_sequence_input(path)) return io::open_image_sequence(path, options);
  if (!std::filesystem::exists(path, ec)) return io_error("input '" + path + "' does not exist");
  const std::string e = io::lower_extension(path);
  if (e == ".y4m") return io::open_y4m_source(path);
  if (io::is_raw_extension(e) || !options.raw_format.empty()) return io::open_raw_source(path, options);
  if (image_file_type_from_path(path)) return io::open_image_source(path, options);
  // Everything else is for FFmpeg, which looks at the content, not the name.
  return io::av::open_video_source(path, options);
}

Result<std::unique_ptr<MediaSink>> make_media_sink(const std::string& path, const SinkOptions& options) {
  if (path == kNullSinkName) return io::make_null_sink();
  if (io::is_image_folder_output(path)) return io::make_image_folder_sink(path, options);
  const std::string e = io::lower_extension(path);
  if (e == ".y4m") return io::make_y4m_sink(path);
  if (io::is_raw_extension(e)) return io::make_raw_sink(path);
  if (io::av::is_video_output_extension(e)) return io::av::make_video_sink(path, options);
  auto t = image_file_type_from_path(path);
  if (!t)
    return invalid_argument("output '" + path + "': unknown extension '" + e +
                            "' (known: .png, .jpg, .y4m, .yuv/.raw, .mp4, .mkv, .mov, .ts, .webm, a folder/ or a %05d.png pattern)");
  return io::make_image_sink(path, *t, options);
}

}  // namespace caldera
