// Internal interface between image_file.cpp (paths, checks, atomic writes) and the codecs.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera::io_internal {

// What every image read from PNG or JPEG is described as: full-range sRGB with BT.709
// primaries (the matrix is BT.709 for a later conversion to YUV; siting Center as in JPEG).
inline ColorDesc still_image_color() {
  return ColorDesc{Matrix::BT709, Range::Full, Transfer::SRGB, Primaries::BT709, ChromaSiting::Center};
}

// Decoded images larger than this are refused before allocating (a corrupt or hostile header
// must not make us reserve tens of gigabytes).
inline constexpr size_t kMaxDecodedBytes = size_t{1} << 31;

// Allocates a host image for a decoded file after checking its description.
Result<Image> allocate_decoded(const ImageDesc& desc, const std::string& path);

bool png_can_write(PixelFormat f);
bool jpeg_can_write(PixelFormat f);

// `file` is open at its first byte; `path` is only used in messages.
// With `header_only`, the image's description is written there and no pixels are read (the
// returned image is empty).
Result<Image> decode_png(std::FILE* file, const std::string& path, ImageDesc* header_only = nullptr);
Result<Image> decode_jpeg(std::FILE* file, const std::string& path, ImageDesc* header_only = nullptr);

// The image is on the host and its format passed *_can_write; the options are validated.
Status encode_png(ConstImageView image, std::FILE* file, const std::string& path, int compression);
Status encode_jpeg(ConstImageView image, std::FILE* file, const std::string& path, int quality);

// First bytes of the formats, used to tell a mislabelled file from a corrupt one.
bool looks_like_png(const unsigned char* head, size_t n);
bool looks_like_jpeg(const unsigned char* head, size_t n);

}  // namespace caldera::io_internal
