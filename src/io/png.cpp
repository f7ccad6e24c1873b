// PNG through libpng. libpng reports errors by longjmp, so every libpng call sits in a small
// function below that holds no object with a destructor (a longjmp over one would skip it); the
// C++ callers own the libpng structs and destroy them on every path.
#include <png.h>

#include <bit>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "io/codecs.hpp"

namespace caldera::io_internal {

namespace {

constexpr bool kLittleEndianHost = std::endian::native == std::endian::little;

// Plain data shared with the libpng callbacks; lives in the C++ caller's frame.
struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  char error[200] = {};
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->error, sizeof st->error, "%s", message ? message : "unknown libpng error");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // warnings are not worth a message

struct PngReadPlan {
  png_uint_32 width = 0, height = 0;
  PixelFormat format = PixelFormat::RGB24;
  size_t row_bytes = 0;
};

// Reads the header and sets up the transforms that turn any PNG into one of our formats.
bool png_read_header_plain(PngState* st, std::FILE* file, PngReadPlan* plan) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_init_io(st->png, file);
  // The caller checked the size first; these limits only keep libpng from doing work first.
  png_set_user_limits(st->png, 1u << 20, 1u << 20);
  png_read_info(st->png, st->info);

  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0, interlace = 0;
  png_get_IHDR(st->png, st->info, &w, &h, &depth, &color, &interlace, nullptr, nullptr);
  const bool trns = png_get_valid(st->png, st->info, PNG_INFO_tRNS) != 0;
  bool alpha = false, rgb = false, wide = false;  // output has alpha / 3 colors / 16 bits

  switch (color) {
    case PNG_COLOR_TYPE_PALETTE:
      png_set_palette_to_rgb(st->png);
      rgb = true;
      alpha = trns;
      break;
    case PNG_COLOR_TYPE_GRAY:
      if (depth < 8) png_set_expand_gray_1_2_4_to_8(st->png);
      if (trns) {  // a transparent gray value: gray + alpha, which we hold as RGBA
        png_set_gray_to_rgb(st->png);
        rgb = alpha = true;
      } else {
        wide = depth == 16;
      }
      break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      png_set_gray_to_rgb(st->png);
      rgb = alpha = true;
      break;
    case PNG_COLOR_TYPE_RGB:
      rgb = true;
      alpha = trns;
      wide = depth == 16 && !trns;
      break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
      rgb = alpha = true;
      break;
    default:
      png_error(st->png, "unknown PNG color type");
  }
  if (trns) png_set_tRNS_to_alpha(st->png);
  if (depth == 16) {
    if (wide) {
      if (kLittleEndianHost) png_set_swap(st->png);  // PNG stores 16-bit samples big-endian
    } else {
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
      png_set_scale_16(st->png);  // rounds v * 255 / 65535
#else
      png_set_strip_16(st->png);
#endif
    }
  }
  if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(st->png);
  png_read_update_info(st->png, st->info);

  plan->width = w;
  plan->height = h;
  plan->format = !rgb ? (wide ? PixelFormat::Gray16 : PixelFormat::Gray8)
                      : alpha ? PixelFormat::RGBA : (wide ? PixelFormat::RGB48 : PixelFormat::RGB24);
  plan->row_bytes = png_get_rowbytes(st->png, st->info);
  return true;
}

bool png_read_pixels_plain(PngState* st, png_bytepp rows) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_read_image(st->png, rows);
  png_read_end(st->png, nullptr);
  return true;
}

struct PngWritePlan {
  png_uint_32 width = 0, height = 0;
  int depth = 8, color = PNG_COLOR_TYPE_RGB;
  bool bgr = false, swap16 = false;
  int compression = 3;
};

bool png_write_plain(PngState* st, std::FILE* file, const PngWritePlan* plan, png_bytepp rows) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_init_io(st->png, file);
  png_set_compression_level(st->png, plan->compression);
  png_set_IHDR(st->png, st->info, plan->width, plan->height, plan->depth, plan->color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(st->png, st->info);
  if (plan->bgr) png_set_bgr(st->png);
  if (plan->swap16) png_set_swap(st->png);
  png_write_image(st->png, rows);  // libpng copies each row before transforming it
  png_write_end(st->png, nullptr);
  return true;
}

class ReadStructs {
 public:
  explicit ReadStructs(PngState* st) : st_(st) {}
  ~ReadStructs() { png_destroy_read_struct(&st_->png, st_->info ? &st_->info : nullptr, nullptr); }

 private:
  PngState* st_;
};

class WriteStructs {
 public:
  explicit WriteStructs(PngState* st) : st_(st) {}
  ~WriteStructs() { png_destroy_write_struct(&st_->png, st_->info ? &st_->info : nullptr); }

 private:
  PngState* st_;
};

size_t bytes_per_pixel(PixelFormat f) {
  const PlaneLayout& p = format_info(f).planes[0];
  return static_cast<size_t>(p.channels) * p.bytes_per_sample;
}

}  // namespace

bool png_can_write(PixelFormat f) {
  switch (f) {
    case PixelFormat::Gray8:
    case PixelFormat::Gray16:
    case PixelFormat::RGB24:
    case PixelFormat::BGR24:
    case PixelFormat::RGBA:
    case PixelFormat::BGRA:
    case PixelFormat::RGB48: return true;
    default: return false;
  }
}

Result<Image> decode_png(std::FILE* file, const std::string& path, ImageDesc* header_only) {
  PngState st;
  st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, on_png_error, on_png_warning);
  if (!st.png) return out_of_memory(path + ": cannot create the PNG decoder");
  ReadStructs owner(&st);
  st.info = png_create_info_struct(st.png);
  if (!st.info) return out_of_memory(path + ": cannot create the PNG decoder");

  PngReadPlan plan;
  if (!png_read_header_plain(&st, file, &plan)) {
    if (std::feof(file)) return io_error(path + ": the PNG header is truncated (the file ends early)");
    return io_error(path + ": bad PNG header: " + st.error);
  }
  if (plan.width > 65536 || plan.height > 65536)
    return io_error(path + ": image size " + std::to_string(plan.width) + "x" + std::to_string(plan.height) +
                    " exceeds the 65536 pixel limit");
  ImageDesc desc{static_cast<int>(plan.width), static_cast<int>(plan.height), plan.format, still_image_color()};
  if (header_only) {
    *header_only = desc;
    return Image();
  }
  CALDERA_ASSIGN_OR_RETURN(Image img, allocate_decoded(desc, path));
  if (plan.row_bytes != static_cast<size_t>(desc.width) * bytes_per_pixel(plan.format))
    return internal_error(path + ": libpng row size " + std::to_string(plan.row_bytes) + " does not match " +
                          format_name(plan.format));

  std::vector<png_bytep> rows(desc.height);
  for (int y = 0; y < desc.height; ++y) rows[y] = img.view().row(0, y);
  if (!png_read_pixels_plain(&st, rows.data())) {
    if (std::feof(file)) return io_error(path + ": the PNG data is truncated (the file ends early)");
    return io_error(path + ": corrupt PNG data: " + st.error);
  }
  return img;
}

Status encode_png(ConstImageView image, std::FILE* file, const std::string& path, int compression) {
  PngWritePlan plan;
  plan.width = static_cast<png_uint_32>(image.width());
  plan.height = static_cast<png_uint_32>(image.height());
  plan.compression = compression;
  switch (image.format()) {
    case PixelFormat::Gray8: plan.color = PNG_COLOR_TYPE_GRAY; break;
    case PixelFormat::Gray16: plan.color = PNG_COLOR_TYPE_GRAY; plan.depth = 16; break;
    case PixelFormat::RGB24: break;
    case PixelFormat::BGR24: plan.bgr = true; break;
    case PixelFormat::RGBA: plan.color = PNG_COLOR_TYPE_RGB_ALPHA; break;
    case PixelFormat::BGRA: plan.color = PNG_COLOR_TYPE_RGB_ALPHA; plan.bgr = true; break;
    case PixelFormat::RGB48: plan.depth = 16; break;
    default: return internal_error(path + ": encode_png called with " + format_name(image.format()));
  }
  plan.swap16 = plan.depth == 16 && kLittleEndianHost;

  PngState st;
  st.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, on_png_error, on_png_warning);
  if (!st.png) return out_of_memory(path + ": cannot create the PNG encoder");
  WriteStructs owner(&st);
  st.info = png_create_info_struct(st.png);
  if (!st.info) return out_of_memory(path + ": cannot create the PNG encoder");

  std::vector<png_bytep> rows(image.height());
  for (int y = 0; y < image.height(); ++y) rows[y] = const_cast<png_bytep>(image.row(0, y));
  if (!png_write_plain(&st, file, &plan, rows.data())) return io_error("cannot write '" + path + "': " + st.error);
  return Status::ok();
}

}  // namespace caldera::io_internal
