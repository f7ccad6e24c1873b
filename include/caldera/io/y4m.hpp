// YUV4MPEG2 (.y4m) video: 8-bit 4:2:0 / 4:2:2 / 4:4:4 / mono and 10-bit 4:2:0 (C420p10).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct Y4mHeader {
  int width = 0, height = 0;
  PixelFormat format = PixelFormat::I420;  // I420, I422, I444, Gray8, YUV420P10
  int fps_num = 25, fps_den = 1;
  int par_num = 1, par_den = 1;
  char interlace = 'p';
  ColorDesc color{};  // siting from the C420 tag, range from XCOLORRANGE when present
};

class Y4mReader {
 public:
  static Result<Y4mReader> open(const std::string& path);
  const Y4mHeader& header() const { return header_; }
  ImageDesc frame_desc() const;
  // Reads the next frame into dst (host memory, frame_desc()'s size and format). Returns false
  // at a clean end of file; a truncated frame is an IoError naming the frame number (from 0).
  Result<bool> read_frame(ImageView dst);
  int frames_read() const { return frames_read_; }
  // Frames in the file, counted from its size (the frame headers of Y4M carry no parameters
  // in practice); -1 if the file has frame parameters that make that impossible.
  long estimated_frame_count() const { return estimated_frames_; }

 private:
  std::string path_;
  std::shared_ptr<std::FILE> file_;
  Y4mHeader header_{};
  int frames_read_ = 0;
  long estimated_frames_ = -1;
};

class Y4mWriter {
 public:
  // Writes to `path`.part and renames it to `path` in finish(); without finish() the partial
  // file is removed when the writer is destroyed.
  static Result<Y4mWriter> create(const std::string& path, const Y4mHeader& header);
  Y4mWriter() = default;
  Y4mWriter(Y4mWriter&&) noexcept;
  Y4mWriter& operator=(Y4mWriter&&) noexcept;
  ~Y4mWriter();
  Status write_frame(ConstImageView frame);
  Status finish();
  int frames_written() const { return frames_written_; }

 private:
  std::string path_, temp_path_;
  std::FILE* file_ = nullptr;
  Y4mHeader header_{};
  int frames_written_ = 0;
};

// Raw planar/semi-planar frames back to back (as `ffmpeg -f rawvideo` writes them), with the
// size and format given by the user since the file does not say.
Result<Image> read_raw_frame(const std::string& path, const ImageDesc& desc, long frame_index);
Status write_raw_frames_append(ConstImageView frame, std::FILE* file);

}  // namespace caldera
