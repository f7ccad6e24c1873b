// JPEG through libjpeg(-turbo). libjpeg's default error handler calls exit(); ours longjmps back
// into the small function that made the call, which holds no object with a destructor. Warnings
// are swallowed, except those that mean the data is truncated or corrupt, which fail the read.
#include <cstddef>
#include <cstdio>
#include <csetjmp>
// jpeglib.h needs size_t and FILE declared before it.
#include <jerror.h>
#include <jpeglib.h>

#include "io/codecs.hpp"

namespace caldera::io_internal {

namespace {

struct JpegErrors {
  jpeg_error_mgr pub;  // first member: libjpeg passes us a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool corrupt;                // a warning that means the data is damaged
  bool truncated;              // ... because the file ends early
  char warning[JMSG_LENGTH_MAX];
};

void on_jpeg_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<JpegErrors*>(cinfo->err);
  const int code = cinfo->err->msg_code;
  if (!err->corrupt && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
                        code == JWRN_MUST_RESYNC)) {
    err->corrupt = true;
    err->truncated = code == JWRN_JPEG_EOF;
    (*cinfo->err->format_message)(cinfo, err->warning);
  }
}

void install_errors(JpegErrors* err) {
  jpeg_std_error(&err->pub);
  err->pub.error_exit = on_jpeg_error;
  err->pub.emit_message = on_jpeg_message;
  err->message[0] = err->warning[0] = '\0';
  err->corrupt = err->truncated = false;
}

struct Decoder {
  jpeg_decompress_struct cinfo;
  JpegErrors err;
};

bool jpeg_read_header_plain(Decoder* d, std::FILE* file) {
  d->cinfo.err = &d->err.pub;
  if (setjmp(d->err.jump)) return false;
  jpeg_create_decompress(&d->cinfo);
  jpeg_stdio_src(&d->cinfo, file);
  jpeg_read_header(&d->cinfo, TRUE);
  if (d->cinfo.jpeg_color_space == JCS_GRAYSCALE) {
    d->cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (d->cinfo.jpeg_color_space == JCS_YCbCr || d->cinfo.jpeg_color_space == JCS_RGB) {
    d->cinfo.out_color_space = JCS_RGB;
  }  // CMYK / YCCK are refused by the caller
  jpeg_calc_output_dimensions(&d->cinfo);
  return true;
}

bool jpeg_read_pixels_plain(Decoder* d, unsigned char* base, size_t pitch) {
  if (setjmp(d->err.jump)) return false;
  jpeg_start_decompress(&d->cinfo);
  while (d->cinfo.output_scanline < d->cinfo.output_height) {
    JSAMPROW row = base + pitch * d->cinfo.output_scanline;
    jpeg_read_scanlines(&d->cinfo, &row, 1);
  }
  jpeg_finish_decompress(&d->cinfo);
  return true;
}

class DecoderOwner {
 public:
  explicit DecoderOwner(Decoder* d) : d_(d) {}
  ~DecoderOwner() { jpeg_destroy_decompress(&d_->cinfo); }  // safe on a struct never created (mem is null)

 private:
  Decoder* d_;
};

struct Encoder {
  jpeg_compress_struct cinfo;
  JpegErrors err;
};

struct JpegWritePlan {
  int width, height, components, quality;
  J_COLOR_SPACE in_space;
};

bool jpeg_write_plain(Encoder* e, std::FILE* file, const JpegWritePlan* plan, const unsigned char* base,
                      size_t pitch) {
  e->cinfo.err = &e->err.pub;
  if (setjmp(e->err.jump)) return false;
  jpeg_create_compress(&e->cinfo);
  jpeg_stdio_dest(&e->cinfo, file);
  e->cinfo.image_width = static_cast<JDIMENSION>(plan->width);
  e->cinfo.image_height = static_cast<JDIMENSION>(plan->height);
  e->cinfo.input_components = plan->components;
  e->cinfo.in_color_space = plan->in_space;
  jpeg_set_defaults(&e->cinfo);
  jpeg_set_quality(&e->cinfo, plan->quality, TRUE);
  jpeg_start_compress(&e->cinfo, TRUE);
  while (e->cinfo.next_scanline < e->cinfo.image_height) {
    // libjpeg only reads the rows it is given, whatever its non-const signature says.
    JSAMPROW row = const_cast<unsigned char*>(base + pitch * e->cinfo.next_scanline);
    jpeg_write_scanlines(&e->cinfo, &row, 1);
  }
  jpeg_finish_compress(&e->cinfo);
  return true;
}

class EncoderOwner {
 public:
  explicit EncoderOwner(Encoder* e) : e_(e) {}
  ~EncoderOwner() { jpeg_destroy_compress(&e_->cinfo); }

 private:
  Encoder* e_;
};

}  // namespace

bool jpeg_can_write(PixelFormat f) {
  return f == PixelFormat::Gray8 || f == PixelFormat::RGB24 || f == PixelFormat::BGR24;
}

Result<Image> decode_jpeg(std::FILE* file, const std::string& path, ImageDesc* header_only) {
  Decoder d{};
  install_errors(&d.err);
  DecoderOwner owner(&d);
  if (!jpeg_read_header_plain(&d, file)) return io_error(path + ": bad JPEG header: " + d.err.message);
  if (d.err.corrupt) return io_error(path + ": corrupt JPEG data: " + d.err.warning);
  const J_COLOR_SPACE space = d.cinfo.jpeg_color_space;
  if (space == JCS_CMYK || space == JCS_YCCK)
    return unsupported(path + ": CMYK JPEG images are not supported; convert the file to RGB first");
  if (space != JCS_GRAYSCALE && space != JCS_YCbCr && space != JCS_RGB)
    return unsupported(path + ": JPEG color space " + std::to_string(static_cast<int>(space)) + " is not supported");

  const bool gray = d.cinfo.out_color_space == JCS_GRAYSCALE;
  ImageDesc desc{static_cast<int>(d.cinfo.output_width), static_cast<int>(d.cinfo.output_height),
                 gray ? PixelFormat::Gray8 : PixelFormat::RGB24, still_image_color()};
  if (d.cinfo.output_components != (gray ? 1 : 3))
    return internal_error(path + ": libjpeg gives " + std::to_string(d.cinfo.output_components) + " components");
  if (header_only) {
    *header_only = desc;
    return Image();
  }
  CALDERA_ASSIGN_OR_RETURN(Image img, allocate_decoded(desc, path));
  ImageView v = img.view();
  if (!jpeg_read_pixels_plain(&d, v.plane(0).data, v.plane(0).pitch))
    return io_error(path + ": corrupt JPEG data: " + d.err.message);
  if (d.err.truncated) return io_error(path + ": the JPEG data is truncated (the file ends early)");
  if (d.err.corrupt) return io_error(path + ": corrupt JPEG data: " + d.err.warning);
  return img;
}

Status encode_jpeg(ConstImageView image, std::FILE* file, const std::string& path, int quality) {
  JpegWritePlan plan{image.width(), image.height(), 3, quality, JCS_RGB};
  switch (image.format()) {
    case PixelFormat::Gray8: plan.components = 1; plan.in_space = JCS_GRAYSCALE; break;
    case PixelFormat::RGB24: break;
    case PixelFormat::BGR24:
#ifdef JCS_EXTENSIONS
      plan.in_space = JCS_EXT_BGR;
      break;
#else
      return unsupported(path + ": this libjpeg cannot read BGR rows; convert to rgb24 first");
#endif
    default: return internal_error(path + ": encode_jpeg called with " + format_name(image.format()));
  }
  Encoder e{};
  install_errors(&e.err);
  EncoderOwner owner(&e);
  if (!jpeg_write_plain(&e, file, &plan, image.plane(0).data, image.plane(0).pitch))
    return io_error("cannot write '" + path + "': " + e.err.message);
  return Status::ok();
}

}  // namespace caldera::io_internal
