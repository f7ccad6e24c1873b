// Still image files: PNG (libpng) and JPEG (libjpeg-turbo). Images are read into and written
// from host memory; the format is chosen by the file's extension.
#pragma once

#include <string>

#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class ImageFileType { Png, Jpeg };
Result<ImageFileType> image_file_type_from_path(const std::string& path);

// PNG: 8-bit gray -> Gray8, 16-bit gray -> Gray16, RGB -> RGB24 / RGB48, with alpha -> RGBA
// (16-bit with alpha is reduced to RGBA 8 bit), palette expanded to RGB24/RGBA.
// JPEG: gray -> Gray8, everything else -> RGB24 (full-range sRGB).
Result<Image> read_image_file(const std::string& path);
// The description read_image_file would give, from the header alone (no pixels are decoded).
Result<ImageDesc> read_image_header(const std::string& path);

struct ImageWriteOptions {
  int jpeg_quality = 92;     // 1..100
  int png_compression = 3;   // zlib level 0..9; low levels are much faster and barely larger
};

// Writes Gray8, Gray16, RGB24, BGR24, RGBA, BGRA, RGB48 (PNG) or Gray8, RGB24, BGR24 (JPEG).
// Other formats are refused with an error that names the format and what to convert to. The
// file is written under a temporary name and renamed on success, so a failure leaves no
// half-written file under `path`.
Status write_image_file(ConstImageView image, const std::string& path, const ImageWriteOptions& options = {});

}  // namespace caldera
