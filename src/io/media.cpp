// open_media_source / make_media_sink: the file family from the extension (raw frames also by
// --input-format), then that family's reader or writer.
#include <algorithm>
#include <filesystem>

#include "io/media_internal.hpp"

namespace caldera {
namespace io {

std::string lower_extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
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

Result<std::unique_ptr<MediaSource>> open_media_source(const std::string& path, const SourceOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return io_error("input '" + path + "' does not exist");
  if (std::filesystem::is_directory(path, ec)) return io_error("input '" + path + "' is a directory, not a file");
  const std::string e = io::lower_extension(path);
  if (e == ".y4m") return io::open_y4m_source(path);
  if (io::is_raw_extension(e) || !options.raw_format.empty()) return io::open_raw_source(path, options);
  return io::open_image_source(path);
}

Result<std::unique_ptr<MediaSink>> make_media_sink(const std::string& path, const SinkOptions& options) {
  if (is_image_sequence_pattern(path)) return io::make_image_sequence_sink(path, options);
  const std::string e = io::lower_extension(path);
  if (e == ".y4m") return io::make_y4m_sink(path);
  if (io::is_raw_extension(e)) return io::make_raw_sink(path);
  CALDERA_ASSIGN_OR_RETURN(ImageFileType t, image_file_type_from_path(path));
  return io::make_image_sink(path, t, options);
}

}  // namespace caldera
