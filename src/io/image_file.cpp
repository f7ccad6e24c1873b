// Still image files: picks the codec from the extension, checks arguments, writes atomically.
#include "caldera/io/image_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "io/atomic_file.hpp"
#include "io/codecs.hpp"

namespace caldera {

namespace io_internal {

bool looks_like_png(const unsigned char* head, size_t n) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 && std::memcmp(head, sig, 8) == 0;
}

bool looks_like_jpeg(const unsigned char* head, size_t n) {
  return n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff;
}

Result<Image> allocate_decoded(const ImageDesc& desc, const std::string& path) {
  Status s = validate_desc(desc, path.c_str());
  if (!s) return io_error(s.message());
  if (tight_size_bytes(desc) > kMaxDecodedBytes)
    return io_error(path + ": image size " + std::to_string(desc.width) + "x" + std::to_string(desc.height) + " " +
                    format_name(desc.format) + " exceeds the " + std::to_string(kMaxDecodedBytes >> 20) +
                    " MiB limit for decoded images");
  return Image::create(desc, MemoryKind::Host);
}

}  // namespace io_internal

namespace {

const char* file_type_name(ImageFileType t) { return t == ImageFileType::Png ? "PNG" : "JPEG"; }

}  // namespace

Result<ImageFileType> image_file_type_from_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || dot < name_start || dot + 1 == path.size())
    return invalid_argument("'" + path + "' has no file extension to choose the image format by (known: .png, .jpg, .jpeg)");
  std::string ext = path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png") return ImageFileType::Png;
  if (ext == ".jpg" || ext == ".jpeg") return ImageFileType::Jpeg;
  return invalid_argument("'" + path + "': unknown image file extension '" + path.substr(dot) +
                          "' (known: .png, .jpg, .jpeg)");
}

namespace {

// Opens an image file, checks its content is what its extension says, and decodes it (or only
// its header, with `header_only`).
Result<Image> read_image(const std::string& path, ImageDesc* header_only) {
  CALDERA_ASSIGN_OR_RETURN(ImageFileType type, image_file_type_from_path(path));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return io_error("cannot open '" + path + "': " + std::strerror(errno));

  unsigned char head[8] = {};
  const size_t n = std::fread(head, 1, sizeof head, file.get());
  if (std::ferror(file.get())) return io_error("cannot read '" + path + "': " + std::strerror(errno));
  if (n == 0) return io_error("'" + path + "' is empty, not a " + file_type_name(type) + " file");
  const bool is_png = io_internal::looks_like_png(head, n), is_jpeg = io_internal::looks_like_jpeg(head, n);
  if ((type == ImageFileType::Png && !is_png) || (type == ImageFileType::Jpeg && !is_jpeg)) {
    std::string hint = is_png ? " (it holds a PNG image: rename it to .png)"
                       : is_jpeg ? " (it holds a JPEG image: rename it to .jpg)"
                                 : "";
    return io_error("'" + path + "' is not a " + file_type_name(type) + " file" + hint);
  }
  std::rewind(file.get());
  return type == ImageFileType::Png ? io_internal::decode_png(file.get(), path, header_only)
                                    : io_internal::decode_jpeg(file.get(), path, header_only);
}

}  // namespace

Result<Image> read_image_file(const std::string& path) { return read_image(path, nullptr); }

Result<ImageDesc> read_image_header(const std::string& path) {
  ImageDesc d;
  CALDERA_RETURN_IF_ERROR(read_image(path, &d).status());
  return d;
}

Status write_image_file(ConstImageView image, const std::string& path, const ImageWriteOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(ImageFileType type, image_file_type_from_path(path));
  if (image.empty()) return invalid_argument("write_image_file '" + path + "': the image is empty");
  if (image.on_device())
    return invalid_argument("write_image_file '" + path +
                            "': the image is in device memory; copy it to the host first");
  CALDERA_RETURN_IF_ERROR(validate_desc(image.desc(), ("write_image_file '" + path + "'").c_str()));
  const char* fmt = format_name(image.format());
  if (type == ImageFileType::Png) {
    if (!io_internal::png_can_write(image.format()))
      return unsupported("write_image_file '" + path + "': PNG cannot hold " + fmt +
                         " images; convert to rgb24, rgba, gray8, gray16 or rgb48 first");
    if (options.png_compression < 0 || options.png_compression > 9)
      return invalid_argument("write_image_file '" + path + "': png_compression " +
                              std::to_string(options.png_compression) + " is outside 0..9");
  } else {
    if (!io_internal::jpeg_can_write(image.format()))
      return unsupported("write_image_file '" + path + "': JPEG cannot hold " + fmt +
                         " images; convert to rgb24 or gray8 first");
    if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
      return invalid_argument("write_image_file '" + path + "': jpeg_quality " +
                              std::to_string(options.jpeg_quality) + " is outside 1..100");
  }

  CALDERA_ASSIGN_OR_RETURN(io_internal::AtomicFile out, io_internal::AtomicFile::create(path));
  Status s = type == ImageFileType::Png
                 ? io_internal::encode_png(image, out.file(), path, options.png_compression)
                 : io_internal::encode_jpeg(image, out.file(), path, options.jpeg_quality);
  if (!s) return s;  // `out` removes the temporary file
  return out.commit();
}

}  // namespace caldera
