#include "caldera/frame_io.hpp"

#include "caldera/context.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace caldera::app {
namespace {

std::string extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}
bool is_raw_ext(const std::string& e) { return e == ".yuv" || e == ".raw" || e == ".rgb" || e == ".bin"; }

class ImageSource : public FrameSource {
 public:
  explicit ImageSource(Image img) : img_(std::move(img)) {}
  ImageDesc desc() const override { return img_.desc(); }
  long frame_count() const override { return 1; }
  Result<bool> read(ImageView dst) override {
    if (done_) return false;
    done_ = true;
    Context cpu;
    CALDERA_RETURN_IF_ERROR(copy_image(img_.view(), dst, cpu));
    return true;
  }

 private:
  Image img_;
  bool done_ = false;
};

class Y4mSource : public FrameSource {
 public:
  explicit Y4mSource(Y4mReader r) : r_(std::move(r)) {}
  ImageDesc desc() const override { return r_.frame_desc(); }
  long frame_count() const override { return r_.estimated_frame_count(); }
  Y4mHeader timing() const override { return r_.header(); }
  Result<bool> read(ImageView dst) override { return r_.read_frame(dst); }

 private:
  Y4mReader r_;
};

class RawSource : public FrameSource {
 public:
  RawSource(std::string path, std::FILE* f, ImageDesc d, long frames) : path_(std::move(path)), f_(f, &std::fclose), d_(d), frames_(frames) {}
  ImageDesc desc() const override { return d_; }
  long frame_count() const override { return frames_; }
  Result<bool> read(ImageView dst) override {
    const FormatInfo& fi = format_info(d_.format);
    for (int p = 0; p < fi.num_planes; ++p) {
      const size_t row = plane_row_bytes(d_.format, p, d_.width);
      for (int y = 0; y < plane_height(d_.format, p, d_.height); ++y) {
        const size_t got = std::fread(dst.row(p, y), 1, row, f_.get());
        if (got == row) continue;
        if (got == 0 && p == 0 && y == 0 && std::feof(f_.get())) return false;
        return io_error(path_ + ": frame " + std::to_string(index_) + " is truncated");
      }
    }
    ++index_;
    return true;
  }

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f_;
  ImageDesc d_;
  long frames_;
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

class ImageSink : public FrameSink {
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
  Status open(const ImageDesc&, const Y4mHeader&) override { return Status::ok(); }
  // The image is kept until finish(), so an input with more frames than the file can hold
  // fails before anything is written.
  Status write(ConstImageView frame) override {
    if (!held_.empty())
      return invalid_argument(path_ + " holds one image but the input has more frames: write .y4m or .yuv, or pass --frames 1");
    CALDERA_ASSIGN_OR_RETURN(held_, Image::create(frame.desc(), MemoryKind::Host));
    Context cpu;
    return copy_image(frame, held_.view(), cpu);
  }
  Status finish() override {
    if (held_.empty()) return internal_error(path_ + ": no image to write");
    return write_image_file(held_.view(), path_, opts_);
  }

 private:
  std::string path_;
  ImageFileType type_;
  ImageWriteOptions opts_;
  Image held_;
};

class Y4mSink : public FrameSink {
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
  Status open(const ImageDesc& d, const Y4mHeader& timing) override {
    Y4mHeader h = timing;
    h.width = d.width;
    h.height = d.height;
    h.format = d.format;
    h.color = d.color;
    CALDERA_ASSIGN_OR_RETURN(w_, Y4mWriter::create(path_, h));
    return Status::ok();
  }
  Status write(ConstImageView frame) override { return w_.write_frame(frame); }
  Status finish() override { return w_.finish(); }

 private:
  std::string path_;
  Y4mWriter w_;
};

class RawSink : public FrameSink {
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
  Status open(const ImageDesc&, const Y4mHeader&) override {
    f_ = std::fopen(temp_.c_str(), "wb");
    if (!f_) return io_error("cannot write '" + temp_ + "': " + std::strerror(errno));
    return Status::ok();
  }
  Status write(ConstImageView frame) override { return write_raw_frames_append(frame, f_).with_context(path_); }
  Status finish() override {
    const bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || std::rename(temp_.c_str(), path_.c_str()) != 0) {
      std::remove(temp_.c_str());
      return io_error("cannot finish '" + path_ + "': " + std::strerror(errno));
    }
    return Status::ok();
  }

 private:
  std::string path_, temp_;
  std::FILE* f_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> open_source(const std::string& path, const std::string& raw_format,
                                                 const std::string& raw_size) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return io_error("input '" + path + "' does not exist");
  const std::string e = extension(path);
  if (e == ".y4m") {
    CALDERA_ASSIGN_OR_RETURN(Y4mReader r, Y4mReader::open(path));
    return std::unique_ptr<FrameSource>(new Y4mSource(std::move(r)));
  }
  if (is_raw_ext(e) || !raw_format.empty()) {
    CALDERA_ASSIGN_OR_RETURN(ImageDesc d, parse_raw_desc(raw_format, raw_size));
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return io_error("cannot open '" + path + "': " + std::strerror(errno));
    const auto bytes = std::filesystem::file_size(path, ec);
    const size_t frame = tight_size_bytes(d);
    if (ec || bytes < frame) {
      std::fclose(f);
      return io_error(path + ": holds " + std::to_string(ec ? 0 : bytes) + " bytes, less than one " +
                      std::to_string(d.width) + "x" + std::to_string(d.height) + " " + format_name(d.format) +
                      " frame (" + std::to_string(frame) + " bytes)");
    }
    return std::unique_ptr<FrameSource>(new RawSource(path, f, d, static_cast<long>(bytes / frame)));
  }
  CALDERA_ASSIGN_OR_RETURN(Image img, read_image_file(path));
  return std::unique_ptr<FrameSource>(new ImageSource(std::move(img)));
}

Result<std::unique_ptr<FrameSink>> make_sink(const std::string& path, int jpeg_quality) {
  const std::string e = extension(path);
  if (e == ".y4m") return std::unique_ptr<FrameSink>(new Y4mSink(path));
  if (is_raw_ext(e)) return std::unique_ptr<FrameSink>(new RawSink(path));
  CALDERA_ASSIGN_OR_RETURN(ImageFileType t, image_file_type_from_path(path));
  return std::unique_ptr<FrameSink>(new ImageSink(path, t, jpeg_quality));
}

}  // namespace caldera::app
