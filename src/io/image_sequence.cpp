// Folders and globs of still images in, folders of images out: the same operators as video, one
// image per frame. Frames carry the file's stem as their name, so outputs keep the inputs' names.
#include <glob.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "io/media_internal.hpp"
#include "io/nvjpeg/gpu_jpeg.hpp"

namespace caldera::io {
namespace {

namespace fs = std::filesystem;

bool is_image_extension(const std::string& e) { return e == ".png" || e == ".jpg" || e == ".jpeg"; }

// Decodes one image after the other: on the CPU, or every one with nvJPEG when the job runs on a
// GPU and all of them are JPEG (frames then live in device memory).
class ImageSequenceSource : public MediaSource {
 public:
  ImageSequenceSource(std::string what, std::vector<std::string> files, Image first,
                      std::shared_ptr<GpuJpegDecoder> gpu, Context* ctx)
      : what_(std::move(what)), files_(std::move(files)), first_(std::move(first)), gpu_(std::move(gpu)), ctx_(ctx) {
    info_.desc = first_.desc();
    info_.memory = first_.memory();
    if (gpu_) info_.decoder = "nvJPEG";
    info_.frame_count = static_cast<long>(files_.size());
    info_.size_varies = files_.size() > 1;
    info_.container = "images";
  }
  void add_note(std::string n) { info_.notes.push_back(std::move(n)); }
  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& frame) override {
    if (next_ >= files_.size()) return false;
    const std::string& path = files_[next_];
    if (next_ == 0) {
      frame.image = std::move(first_);
    } else {
      auto img = gpu_ ? gpu_->decode_file(path, *ctx_) : read_image_file(path);
      if (!img) return img.status().with_context(what_ + ": image " + std::to_string(next_));
      frame.image = std::move(img).value();
    }
    stamp_frame(frame, static_cast<long>(next_), info_.time_base);
    frame.name = fs::path(path).stem().string();
    ++next_;
    return true;
  }

 private:
  std::string what_;
  std::vector<std::string> files_;
  Image first_;
  std::shared_ptr<GpuJpegDecoder> gpu_;
  Context* ctx_ = nullptr;
  MediaInfo info_;
  size_t next_ = 0;
};

// Writes each frame as <folder>/<name>.<ext>. A new folder is made as <folder>.part and renamed
// when the job finishes; into a folder that already exists, the images this sink wrote are
// removed again if the job fails. Either way a failed job leaves nothing of its own behind.
class ImageFolderSink : public MediaSink {
 public:
  ImageFolderSink(std::string folder, std::string pattern, ImageFileType type, int quality)
      : folder_(std::move(folder)), pattern_(std::move(pattern)), type_(type) {
    opts_.jpeg_quality = quality;
  }
  ~ImageFolderSink() override {
    if (finished_) return;
    std::error_code ec;
    if (made_folder_) {
      fs::remove_all(write_dir_, ec);
    } else {
      for (const auto& f : written_) fs::remove(fs::path(write_dir_) / f, ec);
    }
  }
  bool accepts(PixelFormat f) const override {
    switch (f) {
      case PixelFormat::Gray8: case PixelFormat::RGB24: case PixelFormat::BGR24: return true;
      case PixelFormat::Gray16: case PixelFormat::RGBA: case PixelFormat::BGRA: case PixelFormat::RGB48:
        return type_ == ImageFileType::Png;
      default: return false;
    }
  }
  PixelFormat preferred(const ImageDesc& d) const override {
    const FormatInfo& fi = format_info(d.format);
    if (type_ == ImageFileType::Png && (fi.bit_depth > 8 || fi.bit_depth == 0)) return PixelFormat::RGB48;
    return PixelFormat::RGB24;
  }
  Status open(const ImageDesc&, const MediaInfo&) override {
    std::error_code ec;
    if (fs::is_directory(folder_, ec)) {
      write_dir_ = folder_;
    } else {
      if (fs::exists(folder_, ec)) return io_error("output folder '" + folder_ + "' exists and is not a folder");
      write_dir_ = folder_ + ".part";
      fs::remove_all(write_dir_, ec);
      if (!fs::create_directories(write_dir_, ec) || ec)
        return io_error("cannot make the output folder '" + write_dir_ + "': " + ec.message());
      made_folder_ = true;
    }
    return Status::ok();
  }
  Status write(const Frame& frame) override {
    std::string name;
    if (!pattern_.empty()) {
      char buf[512];
      std::snprintf(buf, sizeof buf, pattern_.c_str(), static_cast<int>(frame.index));
      name = buf;
    } else {
      char index[32];
      std::snprintf(index, sizeof index, "%06ld", frame.index);
      name = (frame.name.empty() ? std::string(index) : frame.name) + (type_ == ImageFileType::Png ? ".png" : ".jpg");
    }
    if (!names_.insert(name).second)
      return invalid_argument(folder_ + ": two frames are both written as '" + name +
                              "' (inputs with the same name and different extensions?)");
    if (!made_folder_ && fs::exists(fs::path(write_dir_) / name))
      return io_error(folder_ + ": '" + name + "' exists already; it is not overwritten");
    Status s = write_image_file(frame.image.view(), (fs::path(write_dir_) / name).string(), opts_);
    if (!s) return s;
    written_.push_back(name);
    return Status::ok();
  }
  Status finish() override {
    if (made_folder_) {
      std::error_code ec;
      fs::rename(write_dir_, folder_, ec);
      if (ec) return io_error("cannot rename '" + write_dir_ + "' to '" + folder_ + "': " + ec.message());
    }
    finished_ = true;
    return Status::ok();
  }
  std::string describe() const override {
    return std::string(type_ == ImageFileType::Png ? "png" : "jpeg") + " images -> " + folder_ + "/";
  }

 private:
  std::string folder_, pattern_, write_dir_;
  ImageFileType type_;
  ImageWriteOptions opts_;
  std::set<std::string> names_;
  std::vector<std::string> written_;
  bool made_folder_ = false;
  bool finished_ = false;
};

}  // namespace

bool is_image_sequence_input(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || path.find_first_of("*?[") != std::string::npos;
}

Result<std::unique_ptr<MediaSource>> open_image_sequence(const std::string& path, const SourceOptions& options) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_image_extension(lower_extension(e.path().string()))) files.push_back(e.path().string());
    if (ec) return io_error("cannot list the folder '" + path + "': " + ec.message());
  } else {
    glob_t g{};
    const int r = glob(path.c_str(), 0, nullptr, &g);
    if (r == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i)
        if (fs::is_regular_file(g.gl_pathv[i], ec)) files.push_back(g.gl_pathv[i]);
    globfree(&g);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return io_error("input '" + path + "': no .png or .jpg images " + (path.find_first_of("*?[") != std::string::npos ? "match it" : "in it"));
  std::shared_ptr<GpuJpegDecoder> gpu;
  std::string note;
  if (options.decode_context && options.decode_context->is_cuda()) {
    const bool all_jpeg = std::all_of(files.begin(), files.end(), [](const std::string& f) {
      const std::string e = lower_extension(f);
      return e == ".jpg" || e == ".jpeg";
    });
    if (all_jpeg) {
      auto loaded = GpuJpegDecoder::load();
      if (loaded) gpu = *loaded;
      else note = "JPEGs decoded on the CPU: " + loaded.status().message();
    }
  }
  auto first = gpu ? gpu->decode_file(files[0], *options.decode_context) : read_image_file(files[0]);
  if (!first) return first.status();
  auto src = std::make_unique<ImageSequenceSource>(path, std::move(files), std::move(first).value(), gpu,
                                                   options.decode_context);
  if (!note.empty()) src->add_note(note);
  return std::unique_ptr<MediaSource>(std::move(src));
}

bool is_image_folder_output(const std::string& path) {
  std::error_code ec;
  return (!path.empty() && path.back() == '/') || fs::is_directory(path, ec) ||
         (path.find('%') != std::string::npos && image_file_type_from_path(path).is_ok());
}

Result<std::unique_ptr<MediaSink>> make_image_folder_sink(const std::string& path, const SinkOptions& options) {
  std::string folder = path, pattern;
  ImageFileType type;
  if (path.find('%') != std::string::npos) {
    // "out/frame_%05d.png": FFmpeg's image2 pattern, one integer conversion for the frame index.
    const fs::path p(path);
    folder = p.parent_path().empty() ? "." : p.parent_path().string();
    pattern = p.filename().string();
    size_t conv = 0;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != '%') continue;
      if (i + 1 < pattern.size() && pattern[i + 1] == '%') { ++i; continue; }
      size_t j = i + 1;
      while (j < pattern.size() && (std::isdigit(static_cast<unsigned char>(pattern[j])))) ++j;
      if (j >= pattern.size() || pattern[j] != 'd') return invalid_argument("output pattern '" + path + "': only %d (with a width, e.g. %05d) is allowed");
      ++conv;
      i = j;
    }
    if (conv != 1) return invalid_argument("output pattern '" + path + "' needs exactly one %d for the frame number");
    CALDERA_ASSIGN_OR_RETURN(type, image_file_type_from_path(path));
  } else {
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    if (options.image_format == "png") type = ImageFileType::Png;
    else if (options.image_format == "jpg" || options.image_format == "jpeg") type = ImageFileType::Jpeg;
    else return invalid_argument("--image-format '" + options.image_format + "' (use png or jpg)");
  }
  return std::unique_ptr<MediaSink>(new ImageFolderSink(folder, pattern, type, options.jpeg_quality));
}

}  // namespace caldera::io
