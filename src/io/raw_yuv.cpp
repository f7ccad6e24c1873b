// Headerless raw frames: tight rows, planes back to back, frames back to back.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "caldera/io/y4m.hpp"

namespace caldera {

Result<Image> read_raw_frame(const std::string& path, const ImageDesc& desc, long frame_index) {
  CALDERA_RETURN_IF_ERROR(validate_desc(desc, ("read_raw_frame '" + path + "'").c_str()));
  if (frame_index < 0)
    return invalid_argument("read_raw_frame '" + path + "': frame index " + std::to_string(frame_index) +
                            " is negative");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return io_error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0) return io_error("cannot stat '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return io_error("'" + path + "' is not a regular file");

  const size_t frame_bytes = tight_size_bytes(desc);
  const unsigned long long size = static_cast<unsigned long long>(st.st_size);
  const unsigned long long frames = size / frame_bytes;
  if (static_cast<unsigned long long>(frame_index) >= frames) {
    std::string extra = size % frame_bytes ? " and " + std::to_string(size % frame_bytes) + " bytes more" : "";
    return io_error("'" + path + "' is too short for frame " + std::to_string(frame_index) + ": it holds " +
                    std::to_string(frames) + " frame" + (frames == 1 ? "" : "s") + extra + " of " +
                    std::to_string(desc.width) + "x" + std::to_string(desc.height) + " " + format_name(desc.format) +
                    " (" + std::to_string(frame_bytes) + " bytes each)");
  }
  if (fseeko(file.get(), static_cast<off_t>(frame_index) * static_cast<off_t>(frame_bytes), SEEK_SET) != 0)
    return io_error("cannot seek in '" + path + "': " + std::strerror(errno));

  CALDERA_ASSIGN_OR_RETURN(Image img, Image::create(desc, MemoryKind::Host));
  const FormatInfo& fi = format_info(desc.format);
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row_bytes = plane_row_bytes(desc.format, p, desc.width);
    for (int y = 0; y < plane_height(desc.format, p, desc.height); ++y) {
      if (std::fread(img.view().row(p, y), 1, row_bytes, file.get()) != row_bytes)
        return io_error("cannot read frame " + std::to_string(frame_index) + " of '" + path + "': " +
                        (std::ferror(file.get()) ? std::strerror(errno) : "the file ended early"));
    }
  }
  return img;
}

Status write_raw_frames_append(ConstImageView frame, std::FILE* file) {
  if (!file) return invalid_argument("write_raw_frames_append: file is null");
  if (frame.empty()) return invalid_argument("write_raw_frames_append: the frame is empty");
  if (frame.on_device())
    return invalid_argument("write_raw_frames_append: the frame is in device memory; copy it to the host first");
  const FormatInfo& fi = format_info(frame.format());
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row_bytes = plane_row_bytes(frame.format(), p, frame.width());
    for (int y = 0; y < plane_height(frame.format(), p, frame.height()); ++y) {
      if (std::fwrite(frame.row(p, y), 1, row_bytes, file) != row_bytes)
        return io_error(std::string("write_raw_frames_append: cannot write: ") + std::strerror(errno));
    }
  }
  return Status::ok();
}

}  // namespace caldera
