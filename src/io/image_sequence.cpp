// Still images as a sequence: folders and globs of images in, and out either a folder (one file
// per frame, named after the input file it came from) or a printf-style pattern
// ("frames/f_%05d.png", numbered by the frame's index). Each output frame is encoded on its own,
// so several threads may write at once (a pipeline gives this sink several workers). Like every
// sink, nothing appears under the final names before finish(): frames are written as
// "<name>.part" and renamed at the end, and a sink destroyed without finish() removes them (and a
// folder it made).
#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "io/atomic_file.hpp"
#include "io/codecs.hpp"
#include "io/media_internal.hpp"
#include "io/nvjpeg/gpu_jpeg.hpp"

namespace caldera {
namespace {

namespace fs = std::filesystem;

bool is_image_extension(const std::string& e) { return e == ".png" || e == ".jpg" || e == ".jpeg"; }

// Decodes one image after the other: on the CPU, or every one with nvJPEG when the job runs on a
// GPU and all of them are JPEG (frames then live in device memory).
class ImageSequenceSource : public MediaSource {
 public:
  ImageSequenceSource(std::string what, std::vector<std::string> files, Image first, bool size_varies,
                      std::shared_ptr<io::GpuJpegDecoder> gpu, Context* ctx)
      : what_(std::move(what)), files_(std::move(files)), first_(std::move(first)), gpu_(std::move(gpu)), ctx_(ctx) {
    info_.desc = first_.desc();
    info_.memory = first_.memory();
    if (gpu_) info_.decoder = "nvJPEG";
    info_.frame_count = static_cast<long>(files_.size());
    info_.size_varies = size_varies;
    info_.container = "images";
    info_.hands_over_images = true;
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
    io::stamp_frame(frame, static_cast<long>(next_), info_.time_base);
    frame.name = fs::path(path).stem().string();
    ++next_;
    return true;
  }

 private:
  std::string what_;
  std::vector<std::string> files_;
  Image first_;
  std::shared_ptr<io::GpuJpegDecoder> gpu_;
  Context* ctx_ = nullptr;
  MediaInfo info_;
  size_t next_ = 0;
};

// A pattern split around its one number: prefix, zero-padded width, suffix ("%%" is a '%').
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

std::string numbered(const SequencePattern& p, long index) {
  std::string n = std::to_string(index);
  if (static_cast<int>(n.size()) < p.width) n.insert(0, static_cast<size_t>(p.width) - n.size(), '0');
  return p.prefix + n + p.suffix;
}

class ImageSequenceSink : public MediaSink {
 public:
  // Pattern mode: `pattern` valid, names numbered by frame index. Folder mode: files in `folder`
  // named after each frame's name (or its index when it has none) with the type's extension.
  ImageSequenceSink(std::string what, std::string folder, SequencePattern pattern, ImageFileType type, int quality)
      : what_(std::move(what)), folder_(std::move(folder)), pattern_(std::move(pattern)), type_(type), quality_(quality) {}
  ~ImageSequenceSink() override {
    if (finished_) return;
    for (const std::string& name : written_) std::remove(io_internal::temp_path_for(name).c_str());
    std::error_code ec;
    if (made_folder_) fs::remove(folder_, ec);  // only when empty: it held nothing else
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
      return unsupported(what_ + ": " + (type_ == ImageFileType::Png ? "PNG" : "JPEG") + " cannot hold " +
                         format_name(desc.format) + " frames");
    std::error_code ec;
    const fs::path dir = pattern_.valid ? fs::path(numbered(pattern_, 0)).parent_path() : fs::path(folder_);
    if (dir.empty() || fs::is_directory(dir, ec)) return Status::ok();
    if (pattern_.valid) return io_error(what_ + ": folder '" + dir.string() + "' does not exist");
    if (fs::exists(dir, ec)) return io_error("output folder '" + folder_ + "' exists and is not a folder");
    if (!fs::create_directories(dir, ec) || ec)
      return io_error("cannot make the output folder '" + folder_ + "': " + (ec ? ec.message() : "failed"));
    made_folder_ = true;
    return Status::ok();
  }
  Status write(const Frame& frame) override {
    const ConstImageView image = frame.image.view();
    if (image.on_device()) return invalid_argument(what_ + ": frames must be in host memory");
    if (!accepts(image.format()))
      return unsupported(what_ + ": frame " + std::to_string(frame.index) + " is " + format_name(image.format()));
    std::string name;
    if (pattern_.valid) {
      if (frame.index < 0) return invalid_argument(what_ + ": frame index " + std::to_string(frame.index) + " is negative");
      name = numbered(pattern_, frame.index);
    } else {
      char index[32];
      std::snprintf(index, sizeof index, "%06ld", frame.index);
      name = (fs::path(folder_) / ((frame.name.empty() ? std::string(index) : frame.name) +
                                   (type_ == ImageFileType::Png ? ".png" : ".jpg")))
                 .string();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!names_.insert(name).second)
        return invalid_argument(what_ + ": two frames are both written as '" + name +
                                "' (inputs with the same name and different extensions?)");
      std::error_code ec;
      if (fs::exists(name, ec)) return io_error(what_ + ": '" + name + "' exists already; it is not overwritten");
      written_.push_back(name);  // from now on the destructor removes its .part file
    }
    CALDERA_ASSIGN_OR_RETURN(std::FILE * f, io_internal::open_temp_file(name));
    Status s = type_ == ImageFileType::Png ? io_internal::encode_png(image, f, name, 3)
                                           : io_internal::encode_jpeg(image, f, name, quality_);
    const bool write_failed = std::ferror(f) != 0;
    const bool close_failed = std::fclose(f) != 0;
    if (!s) return s;
    if (write_failed || close_failed)
      return io_error("cannot write '" + io_internal::temp_path_for(name) + "': " + std::strerror(errno));
    return Status::ok();
  }
  int parallel_writers() const override { return 64; }
  Status finish() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < written_.size(); ++i) {
      const std::string temp = io_internal::temp_path_for(written_[i]);
      if (std::rename(temp.c_str(), written_[i].c_str()) != 0) {
        const int err = errno;
        // The ones renamed already stay (they are complete); the rest are removed by the destructor.
        written_.erase(written_.begin(), written_.begin() + static_cast<long>(i));
        return io_error("cannot rename '" + temp + "' to '" + written_.front() + "': " + std::strerror(err));
      }
    }
    written_.clear();
    finished_ = true;
    return Status::ok();
  }
  std::string describe() const override {
    return std::string(type_ == ImageFileType::Png ? "png images -> " : "jpeg images -> ") + what_;
  }

 private:
  std::string what_, folder_;
  SequencePattern pattern_;
  ImageFileType type_;
  int quality_;
  std::mutex mutex_;
  std::set<std::string> names_;
  std::vector<std::string> written_;  // final names whose .part file exists
  bool made_folder_ = false;
  bool finished_ = false;
};

}  // namespace

bool is_image_sequence_pattern(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return parse_pattern(name).valid;
}

bool is_image_sequence_input(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || path.find_first_of("*?[") != std::string::npos;
}

namespace io {

Result<std::unique_ptr<MediaSource>> open_image_sequence(const std::string& path, const SourceOptions& options) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_image_extension(lower_extension(e.path().string()))) files.push_back(e.path().string());
    if (ec) return io_error("cannot list the folder '" + path + "': " + ec.message());
  } else {
    glob_t g{};
    if (glob(path.c_str(), 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i)
        if (fs::is_regular_file(g.gl_pathv[i], ec)) files.push_back(g.gl_pathv[i]);
    globfree(&g);
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    return io_error("input '" + path + "': no .png or .jpg images " +
                    (path.find_first_of("*?[") != std::string::npos ? "match it" : "in it"));
  // Every header first (cheap: no pixels), so the job knows whether the frames all have one size.
  bool varies = false;
  ImageDesc first_desc{};
  for (size_t i = 0; i < files.size(); ++i) {
    CALDERA_ASSIGN_OR_RETURN(ImageDesc d, read_image_header(files[i]));
    if (i == 0) first_desc = d;
    varies = varies || d.width != first_desc.width || d.height != first_desc.height || d.format != first_desc.format;
  }
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
  auto src = std::make_unique<ImageSequenceSource>(path, std::move(files), std::move(first).value(), varies, gpu,
                                                   options.decode_context);
  if (!note.empty()) src->add_note(note);
  return std::unique_ptr<MediaSource>(std::move(src));
}

bool is_image_folder_output(const std::string& path) {
  std::error_code ec;
  // A '%' in an image file's name is meant as a frame number: a bad one is an error, not a file.
  return (!path.empty() && path.back() == '/') || fs::is_directory(path, ec) ||
         (fs::path(path).filename().string().find('%') != std::string::npos && image_file_type_from_path(path).is_ok());
}

Result<std::unique_ptr<MediaSink>> make_image_folder_sink(const std::string& path, const SinkOptions& options) {
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
    return invalid_argument(path + ": jpeg_quality " + std::to_string(options.jpeg_quality) + " is outside 1..100");
  if (path.find('%') != std::string::npos && !(fs::is_directory(path) || path.back() == '/')) {
    const SequencePattern parsed = parse_pattern(path);
    if (!parsed.valid)
      return invalid_argument("'" + path + "': an image sequence needs exactly one frame number (%d or %05d) in the file name");
    CALDERA_ASSIGN_OR_RETURN(ImageFileType type, image_file_type_from_path(parsed.suffix.empty() ? path : "x" + parsed.suffix));
    return std::unique_ptr<MediaSink>(new ImageSequenceSink(path, "", parsed, type, options.jpeg_quality));
  }
  std::string folder = path;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  ImageFileType type;
  if (options.image_format == "png") type = ImageFileType::Png;
  else if (options.image_format == "jpg" || options.image_format == "jpeg") type = ImageFileType::Jpeg;
  else return invalid_argument("--image-format '" + options.image_format + "' (use png or jpg)");
  return std::unique_ptr<MediaSink>(new ImageSequenceSink(folder + "/", folder, SequencePattern{}, type, options.jpeg_quality));
}

}  // namespace io
}  // namespace caldera
