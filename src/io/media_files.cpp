// Sources and sinks for uncompressed files: one still image, Y4M video, raw frames.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "caldera/io/y4m.hpp"
#include "io/media_internal.hpp"
#include "io/nvjpeg/gpu_jpeg.hpp"

namespace caldera::io {
namespace {

// One decoded image (in host memory, or on the GPU when nvJPEG decoded it), handed over as the
// only frame.
class ImageSource : public MediaSource {
 public:
  ImageSource(Image img, std::string type, std::string name) : img_(std::move(img)), name_(std::move(name)) {
    info_.desc = img_.desc();
    info_.memory = img_.memory();
    info_.frame_count = 1;
    info_.container = std::move(type);
    info_.hands_over_images = true;
  }
  void set_decoder(std::string d) { info_.decoder = std::move(d); }
  void add_note(std::string n) { info_.notes.push_back(std::move(n)); }
  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& frame) override {
    if (done_) return false;
    done_ = true;
    frame.image = std::move(img_);
    frame.name = name_;
    stamp_frame(frame, 0, info_.time_base);
    return true;
  }

 private:
  Image img_;
  std::string name_;
  MediaInfo info_;
  bool done_ = false;
};

class Y4mSource : public MediaSource {
 public:
  explicit Y4mSource(Y4mReader r) : r_(std::move(r)) {
    const Y4mHeader& h = r_.header();
    info_.desc = r_.frame_desc();
    info_.frame_count = r_.estimated_frame_count();
    info_.frame_rate = {h.fps_num, h.fps_den};
    // One tick per frame: Y4M has no timestamps, only a constant rate.
    info_.time_base = {h.fps_den, h.fps_num};
    info_.sample_aspect = {h.par_num, h.par_den};
    info_.interlace = h.interlace;
    info_.container = "y4m";
    if (info_.frame_count >= 0 && h.fps_num > 0) info_.duration_seconds = double(info_.frame_count) * h.fps_den / h.fps_num;
  }
  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& frame) override {
    CALDERA_RETURN_IF_ERROR(ensure_frame_image(frame, info_.desc, MemoryKind::Host));
    CALDERA_ASSIGN_OR_RETURN(bool more, r_.read_frame(frame.image.view()));
    if (!more) return false;
    stamp_frame(frame, r_.frames_read() - 1, info_.time_base);
    return true;
  }

 private:
  Y4mReader r_;
  MediaInfo info_;
};

class RawSource : public MediaSource {
 public:
  RawSource(std::string path, std::FILE* f, ImageDesc d, long frames) : path_(std::move(path)), f_(f, &std::fclose) {
    info_.desc = d;
    info_.frame_count = frames;
    info_.container = "raw";
    info_.time_base = {1, 25};
  }
  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& frame) override {
    const ImageDesc& d = info_.desc;
    CALDERA_RETURN_IF_ERROR(ensure_frame_image(frame, d, MemoryKind::Host));
    ImageView dst = frame.image.view();
    const FormatInfo& fi = format_info(d.format);
    for (int p = 0; p < fi.num_planes; ++p) {
      const size_t row = plane_row_bytes(d.format, p, d.width);
      for (int y = 0; y < plane_height(d.format, p, d.height); ++y) {
        const size_t got = std::fread(dst.row(p, y), 1, row, f_.get());
        if (got == row) continue;
        if (got == 0 && p == 0 && y == 0 && std::feof(f_.get())) return false;
        return io_error(path_ + ": frame " + std::to_string(index_) + " is truncated");
      }
    }
    stamp_frame(frame, index_, info_.time_base);
    ++index_;
    return true;
  }

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f_;
  MediaInfo info_;
  long index_ = 0;
};

Result<ImageDesc> parse_raw_desc(const std::string& format, const std::string& size) {
  if (format.empty() || size.empty())
    return invalid_argument("raw input needs --input-format (e.g. nv12) and --size WxH");
  CALDERA_ASSIGN_OR_RETURN(PixelFormat f, parse_pixel_format(format));
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X'))
    return invalid_argument("--size '" + size + "' is not WxH (e.g. 1920x1080)");
  ImageDesc d{w, h, f};
  CALDERA_RETURN_IF_ERROR(validate_desc(d, "--size"));
  return d;
}

class ImageSink : public MediaSink {
 public:
  ImageSink(std::string path, ImageFileType type, int quality) : path_(std::move(path)), type_(type) {
    opts_.jpeg_quality = quality;
  }
  bool accepts(PixelFormat f) const override {
    switch (f) {
      case PixelFormat::Gray8:
      case PixelFormat::RGB24:
      case PixelFormat::BGR24: return true;
      case PixelFormat::Gray16:
      case PixelFormat::RGBA:
      case PixelFormat::BGRA:
      case PixelFormat::RGB48: return type_ == ImageFileType::Png;
      default: return false;
    }
  }
  PixelFormat preferred(const ImageDesc& d) const override {
    const FormatInfo& fi = format_info(d.format);
    if (type_ == ImageFileType::Png && (fi.bit_depth > 8 || fi.bit_depth == 0)) return PixelFormat::RGB48;
    return PixelFormat::RGB24;
  }
  Status open(const ImageDesc&, const MediaInfo&) override { return Status::ok(); }
  // The image is kept until finish(), so an input with more frames than the file can hold
  // fails before anything is written.
  Status write(const Frame& frame) override {
    if (!held_.empty())
      return invalid_argument(path_ + " holds one image but the input has more frames: write .y4m, .mp4 or .yuv, or pass --frames 1");
    CALDERA_ASSIGN_OR_RETURN(held_, Image::create(frame.image.desc(), MemoryKind::Host));
    Context cpu;
    return copy_image(frame.image.view(), held_.view(), cpu);
  }
  Status finish() override {
    if (held_.empty()) return internal_error(path_ + ": no image to write");
    return write_image_file(held_.view(), path_, opts_);
  }
  std::string describe() const override { return (type_ == ImageFileType::Png ? "png -> " : "jpeg -> ") + path_; }

 private:
  std::string path_;
  ImageFileType type_;
  ImageWriteOptions opts_;
  Image held_;
};

class Y4mSink : public MediaSink {
 public:
  explicit Y4mSink(std::string path) : path_(std::move(path)) {}
  bool accepts(PixelFormat f) const override {
    return f == PixelFormat::I420 || f == PixelFormat::I422 || f == PixelFormat::I444 || f == PixelFormat::Gray8 ||
           f == PixelFormat::YUV420P10;
  }
  PixelFormat preferred(const ImageDesc& d) const override {
    const FormatInfo& fi = format_info(d.format);
    return (fi.bit_depth > 8 || fi.bit_depth == 0) ? PixelFormat::YUV420P10 : PixelFormat::I420;
  }
  Status open(const ImageDesc& d, const MediaInfo& source) override {
    Y4mHeader h;
    h.width = d.width;
    h.height = d.height;
    h.format = d.format;
    h.color = d.color;
    if (source.frame_rate.valid()) {
      h.fps_num = source.frame_rate.num;
      h.fps_den = source.frame_rate.den;
    }
    if (source.sample_aspect.valid()) {
      h.par_num = source.sample_aspect.num;
      h.par_den = source.sample_aspect.den;
    }
    h.interlace = source.interlace;
    CALDERA_ASSIGN_OR_RETURN(w_, Y4mWriter::create(path_, h));
    return Status::ok();
  }
  Status write(const Frame& frame) override { return w_.write_frame(frame.image.view()); }
  Status finish() override { return w_.finish(); }
  std::string describe() const override { return "y4m -> " + path_; }

 private:
  std::string path_;
  Y4mWriter w_;
};

class RawSink : public MediaSink {
 public:
  explicit RawSink(std::string path) : path_(std::move(path)), temp_(path_ + ".part") {}
  ~RawSink() override {
    if (f_) {
      std::fclose(f_);
      std::remove(temp_.c_str());
    }
  }
  bool accepts(PixelFormat) const override { return true; }
  PixelFormat preferred(const ImageDesc& d) const override { return d.format; }
  Status open(const ImageDesc&, const MediaInfo&) override {
    f_ = std::fopen(temp_.c_str(), "wb");
    if (!f_) return io_error("cannot write '" + temp_ + "': " + std::strerror(errno));
    return Status::ok();
  }
  Status write(const Frame& frame) override {
    return write_raw_frames_append(frame.image.view(), f_).with_context(path_);
  }
  Status finish() override {
    const bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || std::rename(temp_.c_str(), path_.c_str()) != 0) {
      std::remove(temp_.c_str());
      return io_error("cannot finish '" + path_ + "': " + std::strerror(errno));
    }
    return Status::ok();
  }
  std::string describe() const override { return "raw -> " + path_; }

 private:
  std::string path_, temp_;
  std::FILE* f_ = nullptr;
};

// Takes every frame and keeps none: decode and processing speed without a writer's cost
// (FFmpeg's `-f null -`).
class NullSink : public MediaSink {
 public:
  bool accepts(PixelFormat) const override { return true; }
  PixelFormat preferred(const ImageDesc& d) const override { return d.format; }
  bool accepts_memory(MemoryKind) const override { return true; }
  Status open(const ImageDesc&, const MediaInfo&) override { return Status::ok(); }
  Status write(const Frame&) override { return Status::ok(); }
  int parallel_writers() const override { return 64; }
  Status finish() override { return Status::ok(); }
  std::string describe() const override { return "null (frames are discarded)"; }
};

}  // namespace

std::unique_ptr<MediaSink> make_null_sink() { return std::make_unique<NullSink>(); }

bool is_raw_extension(const std::string& e) { return e == ".yuv" || e == ".raw" || e == ".rgb" || e == ".bin"; }

Result<std::unique_ptr<MediaSource>> open_image_source(const std::string& path, const SourceOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(ImageFileType type, image_file_type_from_path(path));
  std::string note;
  if (type == ImageFileType::Jpeg && options.decode_context && options.decode_context->is_cuda()) {
    auto gpu = GpuJpegDecoder::load();
    if (gpu) {
      CALDERA_ASSIGN_OR_RETURN(Image img, (*gpu)->decode_file(path, *options.decode_context));
      auto src = std::make_unique<ImageSource>(std::move(img), "jpeg", std::filesystem::path(path).stem().string());
      src->set_decoder("nvJPEG");
      return std::unique_ptr<MediaSource>(std::move(src));
    }
    note = "JPEG decoded on the CPU: " + gpu.status().message();
  }
  CALDERA_ASSIGN_OR_RETURN(Image img, read_image_file(path));
  auto src = std::make_unique<ImageSource>(std::move(img), type == ImageFileType::Png ? "png" : "jpeg",
                                           std::filesystem::path(path).stem().string());
  if (!note.empty()) src->add_note(note);
  return std::unique_ptr<MediaSource>(std::move(src));
}

Result<std::unique_ptr<MediaSource>> open_y4m_source(const std::string& path) {
  CALDERA_ASSIGN_OR_RETURN(Y4mReader r, Y4mReader::open(path));
  return std::unique_ptr<MediaSource>(new Y4mSource(std::move(r)));
}

Result<std::unique_ptr<MediaSource>> open_raw_source(const std::string& path, const SourceOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(ImageDesc d, parse_raw_desc(options.raw_format, options.raw_size));
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  const size_t frame = tight_size_bytes(d);
  if (ec || bytes < frame)
    return io_error(path + ": holds " + std::to_string(ec ? 0 : bytes) + " bytes, less than one " +
                    std::to_string(d.width) + "x" + std::to_string(d.height) + " " + format_name(d.format) +
                    " frame (" + std::to_string(frame) + " bytes)");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return io_error("cannot open '" + path + "': " + std::strerror(errno));
  return std::unique_ptr<MediaSource>(new RawSource(path, f, d, static_cast<long>(bytes / frame)));
}

std::unique_ptr<MediaSink> make_image_sink(const std::string& path, ImageFileType type, const SinkOptions& options) {
  return std::make_unique<ImageSink>(path, type, options.jpeg_quality);
}
std::unique_ptr<MediaSink> make_y4m_sink(const std::string& path) { return std::make_unique<Y4mSink>(path); }
std::unique_ptr<MediaSink> make_raw_sink(const std::string& path) { return std::make_unique<RawSink>(path); }

}  // namespace caldera::io
