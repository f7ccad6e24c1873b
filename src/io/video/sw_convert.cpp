#include "io/video/sw_convert.hpp"

extern "C" {
#include <libswscale/swscale.h>
}

#include "io/media_internal.hpp"

namespace caldera::io::av {
namespace {

PixelFormat nearest_format(const AVPixFmtDescriptor* d) {
  const int depth = d->comp[0].depth;
  const bool rgb = d->flags & AV_PIX_FMT_FLAG_RGB;
  const bool alpha = d->flags & AV_PIX_FMT_FLAG_ALPHA;
  if (!rgb && d->nb_components <= 2) return depth > 8 ? PixelFormat::Gray16 : PixelFormat::Gray8;
  if (rgb) return depth > 8 ? PixelFormat::RGB48 : (alpha ? PixelFormat::RGBA : PixelFormat::RGB24);
  const bool is420 = d->log2_chroma_w == 1 && d->log2_chroma_h == 1;
  if (depth > 8) return is420 ? (depth <= 10 ? PixelFormat::YUV420P10 : PixelFormat::P016) : PixelFormat::RGB48;
  if (is420) return PixelFormat::I420;  // 8-bit 4:2:0 with alpha: the alpha plane is dropped
  if (d->log2_chroma_w == 1 && d->log2_chroma_h == 0) return PixelFormat::I422;
  return PixelFormat::I444;
}

int sws_colorspace(Matrix m) {
  switch (m) {
    case Matrix::BT601: return SWS_CS_ITU601;
    case Matrix::BT709: return SWS_CS_ITU709;
    case Matrix::BT2020NCL: return SWS_CS_BT2020;
  }
  return SWS_CS_ITU709;
}

}  // namespace

SwConverter::~SwConverter() { sws_freeContext(sws_); }

Status SwConverter::convert(const AVFrame* f, ColorDesc& color, Frame& out) {
  const auto src = static_cast<AVPixelFormat>(f->format);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(src);
  if (!d) return unsupported("decoded frames have an unknown pixel format");
  if (!sws_ || src != from_ || f->width != width_ || f->height != height_) {
    to_ = nearest_format(d);
    const AVPixelFormat dst = to_av_pixel_format(to_);
    sws_freeContext(sws_);
    // Accurate rounding and full chroma interpolation: this conversion should lose nothing a
    // later operator could have kept.
    sws_ = sws_getContext(f->width, f->height, src, f->width, f->height, dst,
                          SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, nullptr, nullptr,
                          nullptr);
    if (!sws_)
      return unsupported(std::string("swscale cannot convert ") + d->name + " to " + av_get_pix_fmt_name(dst));
    from_ = src;
    width_ = f->width;
    height_ = f->height;
  }
  const bool src_rgb = d->flags & AV_PIX_FMT_FLAG_RGB;
  const bool dst_rgb = format_info(to_).family == ColorFamily::Rgb;
  const int* coeffs = sws_getCoefficients(sws_colorspace(color.matrix));
  const int src_full = src_rgb || color.range == Range::Full;
  const int dst_full = dst_rgb || color.range == Range::Full;
  sws_setColorspaceDetails(sws_, coeffs, src_full, coeffs, dst_full, 0, 1 << 16, 1 << 16);
  if (dst_rgb) color.range = Range::Full;

  ImageDesc desc{f->width, f->height, to_, color};
  CALDERA_RETURN_IF_ERROR(ensure_frame_image(out, desc, MemoryKind::Host));
  ImageView v = out.image.view();
  uint8_t* planes[4] = {nullptr, nullptr, nullptr, nullptr};
  int pitches[4] = {0, 0, 0, 0};
  for (int p = 0; p < v.num_planes(); ++p) {
    planes[p] = v.plane(p).data;
    pitches[p] = static_cast<int>(v.plane(p).pitch);
  }
  const int rows = sws_scale(sws_, f->data, f->linesize, 0, f->height, planes, pitches);
  if (rows != f->height) return io_error(std::string("swscale failed converting ") + d->name + " frames");
  return Status::ok();
}

std::string SwConverter::describe() const {
  if (!sws_) return "";
  return std::string(", converted from ") + av_get_pix_fmt_name(from_) + " to " + format_name(to_) + " (swscale)";
}

}  // namespace caldera::io::av
