// Image sequences: one PNG or JPEG file per frame, named by a printf-style pattern
// ("frames/f_%05d.png"). Each frame is encoded on its own, so several threads may write at once
// (a pipeline gives this sink several workers). Like every sink, nothing appears under the
// final names until finish(): frames are written as "<name>.part" and all renamed at the end; a
// sink destroyed without finish() removes its .part files.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/codecs.hpp"
#include "io/media_internal.hpp"

namespace caldera {
namespace {

// The pattern split around its one number: prefix, zero-padded width, suffix ("%%" is a '%').
struct SequencePattern {
  std::string prefix, suffix;
  int width = 0;
  bool valid = false;
};

SequencePattern parse_pattern(const std::string& path) {
  SequencePattern p;
  std::string* part = &p.prefix;
  int numbers = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      *part += path[i];
      continue;
    }
    if (i + 1 < path.size() && path[i + 1] == '%') {
      *part += '%';
      ++i;
      continue;
    }
    // %d, %5d or %05d: the width pads with zeros either way (file names sort in order).
    size_t j = i + 1;
    while (j < path.size() && std::isdigit(static_cast<unsigned char>(path[j]))) ++j;
    if (j >= path.size() || path[j] != 'd' || j - i - 1 > 2) return {};
    p.width = j > i + 1 ? std::stoi(path.substr(i + 1, j - i - 1)) : 0;
    ++numbers;
    part = &p.suffix;
    i = j;
  }
  p.valid = numbers == 1 && p.suffix.find('/') == std::string::npos;
  return p;
}

std::string frame_name(const SequencePattern& p, long index) {
  std::string n = std::to_string(index);
  if (static_cast<int>(n.size()) < p.width) n.insert(0, static_cast<size_t>(p.width) - n.size(), '0');
  return p.prefix + n + p.suffix;
}

class ImageSequenceSink : public MediaSink {
 public:
  ImageSequenceSink(std::string pattern, SequencePattern parsed, ImageFileType type, int quality)
      : pattern_(std::move(pattern)), parsed_(std::move(parsed)), type_(type), quality_(quality) {}
  ~ImageSequenceSink() override {
    for (const std::string& name : written_) std::remove(io_internal::temp_path_for(name).c_str());
  }

  bool accepts(PixelFormat f) const override {
    return type_ == ImageFileType::Png ? io_internal::png_can_write(f) : io_internal::jpeg_can_write(f);
  }
  PixelFormat preferred(const ImageDesc& d) const override {
    const FormatInfo& fi = format_info(d.format);
    if (type_ == ImageFileType::Png && (fi.bit_depth > 8 || fi.bit_depth == 0)) return PixelFormat::RGB48;
    return PixelFormat::RGB24;
  }
  Status open(const ImageDesc& desc, const MediaInfo&) override {
    if (!accepts(desc.format))
      return unsupported(pattern_ + ": " + (type_ == ImageFileType::Png ? "PNG" : "JPEG") + " cannot hold " +
                         format_name(desc.format) + " frames");
    // A missing folder is reported now, not at the first frame.
    const std::filesystem::path dir = std::filesystem::path(frame_name(parsed_, 0)).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      return io_error(pattern_ + ": folder '" + dir.string() + "' does not exist");
    return Status::ok();
  }
  Status write(const Frame& frame) override {
    if (frame.index < 0) return invalid_argument(pattern_ + ": frame index " + std::to_string(frame.index) + " is negative");
    const ConstImageView image = frame.image.view();
    if (image.on_device()) return invalid_argument(pattern_ + ": frames must be in host memory");
    const std::string name = frame_name(parsed_, frame.index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      written_.push_back(name);  // from now on the destructor removes its .part file
    }
    CALDERA_ASSIGN_OR_RETURN(std::FILE * f, io_internal::open_temp_file(name));
    Status s = type_ == ImageFileType::Png ? io_internal::encode_png(image, f, name, 3)
                                           : io_internal::encode_jpeg(image, f, name, quality_);
    const bool write_failed = std::ferror(f) != 0;
    const bool close_failed = std::fclose(f) != 0;
    if (!s) return s;
    if (write_failed || close_failed) return io_error("cannot write '" + io_internal::temp_path_for(name) + "': " + std::strerror(errno));
    return Status::ok();
  }
  int parallel_writers() const override { return 64; }
  Status finish() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < written_.size(); ++i) {
      const std::string temp = io_internal::temp_path_for(written_[i]);
      if (std::rename(temp.c_str(), written_[i].c_str()) != 0) {
        const int err = errno;
        written_.erase(written_.begin(), written_.begin() + static_cast<long>(i));
        return io_error("cannot rename '" + temp + "' to '" + written_.front() + "': " + std::strerror(err));
      }
    }
    written_.clear();
    return Status::ok();
  }
  std::string describe() const override { return (type_ == ImageFileType::Png ? "png sequence -> " : "jpeg sequence -> ") + pattern_; }

 private:
  std::string pattern_;
  SequencePattern parsed_;
  ImageFileType type_;
  int quality_;
  std::mutex mutex_;
  std::vector<std::string> written_;  // final names whose .part file exists
};

}  // namespace

bool is_image_sequence_pattern(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return parse_pattern(name).valid;
}

namespace io {

Result<std::unique_ptr<MediaSink>> make_image_sequence_sink(const std::string& pattern, const SinkOptions& options) {
  const SequencePattern parsed = parse_pattern(pattern);
  if (!parsed.valid)
    return invalid_argument("'" + pattern + "': an image sequence needs exactly one frame number (%d or %05d) in the file name");
  CALDERA_ASSIGN_OR_RETURN(ImageFileType type, image_file_type_from_path(parsed.suffix.empty() ? pattern : "x" + parsed.suffix));
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
    return invalid_argument(pattern + ": jpeg_quality " + std::to_string(options.jpeg_quality) + " is outside 1..100");
  return std::unique_ptr<MediaSink>(new ImageSequenceSink(pattern, parsed, type, options.jpeg_quality));
}

}  // namespace io
}  // namespace caldera
