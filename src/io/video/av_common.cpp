#include "io/video/av_common.hpp"

#include "caldera/io/media.hpp"
#include "io/video/encoder.hpp"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/hwcontext.h>
#include <libavutil/mastering_display_metadata.h>
}

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>

namespace caldera::io::av {
namespace {

// FFmpeg's last error-level log lines: the detail behind many AVERROR codes ("moov atom not
// found"), added to Caldera's message. A few lines, since a failure often ends with a generic line
// ("Failed setup for format cuda") after the one that says why. FFmpeg logs from any thread, so
// one guarded list.
constexpr size_t kLogLinesKept = 3;
std::mutex log_mutex;
std::deque<std::string> last_log_lines;

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  std::string s(line);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return;
  std::lock_guard<std::mutex> lock(log_mutex);
  if (!last_log_lines.empty() && last_log_lines.back() == s) return;
  last_log_lines.push_back(std::move(s));
  if (last_log_lines.size() > kLogLinesKept) last_log_lines.pop_front();
}

}  // namespace

std::string take_last_log_lines() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string s;
  for (const std::string& line : last_log_lines) s += (s.empty() ? "" : " / ") + line;
  last_log_lines.clear();
  return s;
}

Packet make_packet() { return Packet(av_packet_alloc()); }
AvFrame make_frame() { return AvFrame(av_frame_alloc()); }

std::string error_text(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(averror, buf, sizeof buf);
  return buf;
}

std::string error_detail(int averror) {
  std::string msg = error_text(averror);
  const std::string detail = take_last_log_lines();
  if (!detail.empty()) msg += " (FFmpeg: " + detail + ")";
  return msg;
}

Status error(const std::string& what, int averror) {
  const std::string msg = what + ": " + error_detail(averror);
  if (averror == AVERROR(ENOMEM)) return out_of_memory(msg);
  if (averror == AVERROR_DECODER_NOT_FOUND || averror == AVERROR_ENCODER_NOT_FOUND ||
      averror == AVERROR_DEMUXER_NOT_FOUND || averror == AVERROR_MUXER_NOT_FOUND || averror == AVERROR_PATCHWELCOME)
    return unsupported(msg);
  if (averror == AVERROR(EINVAL)) return invalid_argument(msg);
  return io_error(msg);
}

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_ERROR);
    av_log_set_callback(log_callback);
  });
}

Rational from_av(AVRational r) { return {r.num, r.den}; }
AVRational to_av(Rational r) { return AVRational{r.num, r.den}; }

std::optional<PixelFormat> from_av_pixel_format(AVPixelFormat f, bool* full_range_hint) {
  if (full_range_hint) *full_range_hint = false;
  switch (f) {
    case AV_PIX_FMT_GRAY8: return PixelFormat::Gray8;
    case AV_PIX_FMT_GRAY16LE: return PixelFormat::Gray16;
    case AV_PIX_FMT_NV12: return PixelFormat::NV12;
    case AV_PIX_FMT_NV21: return PixelFormat::NV21;
    case AV_PIX_FMT_YUVJ420P: if (full_range_hint) *full_range_hint = true; return PixelFormat::I420;
    case AV_PIX_FMT_YUV420P: return PixelFormat::I420;
    case AV_PIX_FMT_YUVJ422P: if (full_range_hint) *full_range_hint = true; return PixelFormat::I422;
    case AV_PIX_FMT_YUV422P: return PixelFormat::I422;
    case AV_PIX_FMT_YUVJ444P: if (full_range_hint) *full_range_hint = true; return PixelFormat::I444;
    case AV_PIX_FMT_YUV444P: return PixelFormat::I444;
    case AV_PIX_FMT_P010LE: return PixelFormat::P010;
    case AV_PIX_FMT_P016LE: return PixelFormat::P016;
    case AV_PIX_FMT_YUV420P10LE: return PixelFormat::YUV420P10;
    case AV_PIX_FMT_RGB24: return PixelFormat::RGB24;
    case AV_PIX_FMT_BGR24: return PixelFormat::BGR24;
    case AV_PIX_FMT_RGBA: return PixelFormat::RGBA;
    case AV_PIX_FMT_BGRA: return PixelFormat::BGRA;
    case AV_PIX_FMT_RGB48LE: return PixelFormat::RGB48;
    default: return std::nullopt;
  }
}

AVPixelFormat to_av_pixel_format(PixelFormat f) {
  switch (f) {
    case PixelFormat::Gray8: return AV_PIX_FMT_GRAY8;
    case PixelFormat::Gray16: return AV_PIX_FMT_GRAY16LE;
    case PixelFormat::NV12: return AV_PIX_FMT_NV12;
    case PixelFormat::NV21: return AV_PIX_FMT_NV21;
    case PixelFormat::I420: return AV_PIX_FMT_YUV420P;
    case PixelFormat::I422: return AV_PIX_FMT_YUV422P;
    case PixelFormat::I444: return AV_PIX_FMT_YUV444P;
    case PixelFormat::P010: return AV_PIX_FMT_P010LE;
    case PixelFormat::P016: return AV_PIX_FMT_P016LE;
    case PixelFormat::YUV420P10: return AV_PIX_FMT_YUV420P10LE;
    case PixelFormat::RGB24: return AV_PIX_FMT_RGB24;
    case PixelFormat::BGR24: return AV_PIX_FMT_BGR24;
    case PixelFormat::RGBA: return AV_PIX_FMT_RGBA;
    case PixelFormat::BGRA: return AV_PIX_FMT_BGRA;
    case PixelFormat::RGB48: return AV_PIX_FMT_RGB48LE;
    case PixelFormat::RGBPlanarF32:
    case PixelFormat::RGBPlanarF16: return AV_PIX_FMT_NONE;  // FFmpeg's planar RGB is G, B, R
  }
  return AV_PIX_FMT_NONE;
}

ColorDesc color_from_av(AVColorSpace space, AVColorRange range, AVColorTransferCharacteristic trc,
                        AVColorPrimaries primaries, AVChromaLocation location, int width, int height) {
  ColorDesc c;
  const bool hd = width >= 1280 || height > 576;
  switch (space) {
    case AVCOL_SPC_BT709: c.matrix = Matrix::BT709; break;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: c.matrix = Matrix::BT601; break;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: c.matrix = Matrix::BT2020NCL; break;
    default: c.matrix = hd ? Matrix::BT709 : Matrix::BT601; break;
  }
  c.range = range == AVCOL_RANGE_JPEG ? Range::Full : Range::Limited;
  switch (trc) {
    case AVCOL_TRC_IEC61966_2_1: c.transfer = Transfer::SRGB; break;
    case AVCOL_TRC_LINEAR: c.transfer = Transfer::Linear; break;
    case AVCOL_TRC_SMPTE2084: c.transfer = Transfer::PQ; break;
    case AVCOL_TRC_ARIB_STD_B67: c.transfer = Transfer::HLG; break;
    default: c.transfer = Transfer::BT1886; break;  // BT.709, BT.601, BT.2020 10/12-bit: the same curve
  }
  switch (primaries) {
    case AVCOL_PRI_BT709: c.primaries = Primaries::BT709; break;
    case AVCOL_PRI_SMPTE170M:
    case AVCOL_PRI_SMPTE240M: c.primaries = Primaries::BT601_525; break;
    case AVCOL_PRI_BT470BG: c.primaries = Primaries::BT601_625; break;
    case AVCOL_PRI_BT2020: c.primaries = Primaries::BT2020; break;
    case AVCOL_PRI_SMPTE432: c.primaries = Primaries::DisplayP3; break;
    default:
      c.primaries = c.matrix == Matrix::BT2020NCL ? Primaries::BT2020
                    : hd                          ? Primaries::BT709
                    : height == 576               ? Primaries::BT601_625
                                                  : Primaries::BT601_525;
      break;
  }
  switch (location) {
    case AVCHROMA_LOC_CENTER: c.siting = ChromaSiting::Center; break;
    case AVCHROMA_LOC_TOPLEFT: c.siting = ChromaSiting::TopLeft; break;
    default: c.siting = ChromaSiting::Left; break;
  }
  return c;
}

void color_to_av(const ColorDesc& c, AVColorSpace& space, AVColorRange& range, AVColorTransferCharacteristic& trc,
                 AVColorPrimaries& primaries, AVChromaLocation& location) {
  switch (c.matrix) {
    case Matrix::BT601: space = AVCOL_SPC_SMPTE170M; break;
    case Matrix::BT709: space = AVCOL_SPC_BT709; break;
    case Matrix::BT2020NCL: space = AVCOL_SPC_BT2020_NCL; break;
  }
  range = c.range == Range::Full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  switch (c.transfer) {
    case Transfer::BT1886: trc = AVCOL_TRC_BT709; break;
    case Transfer::SRGB: trc = AVCOL_TRC_IEC61966_2_1; break;
    case Transfer::Linear: trc = AVCOL_TRC_LINEAR; break;
    case Transfer::PQ: trc = AVCOL_TRC_SMPTE2084; break;
    case Transfer::HLG: trc = AVCOL_TRC_ARIB_STD_B67; break;
  }
  switch (c.primaries) {
    case Primaries::BT709: primaries = AVCOL_PRI_BT709; break;
    case Primaries::BT601_525: primaries = AVCOL_PRI_SMPTE170M; break;
    case Primaries::BT601_625: primaries = AVCOL_PRI_BT470BG; break;
    case Primaries::BT2020: primaries = AVCOL_PRI_BT2020; break;
    case Primaries::DisplayP3: primaries = AVCOL_PRI_SMPTE432; break;
  }
  switch (c.siting) {
    case ChromaSiting::Left: location = AVCHROMA_LOC_LEFT; break;
    case ChromaSiting::Center: location = AVCHROMA_LOC_CENTER; break;
    case ChromaSiting::TopLeft: location = AVCHROMA_LOC_TOPLEFT; break;
  }
}

HdrMetadata hdr_from_av(const AVMasteringDisplayMetadata* m, const AVContentLightMetadata* l) {
  HdrMetadata h;
  if (m && m->has_primaries && m->has_luminance) {
    MasteringDisplay d;
    d.red_x = av_q2d(m->display_primaries[0][0]);
    d.red_y = av_q2d(m->display_primaries[0][1]);
    d.green_x = av_q2d(m->display_primaries[1][0]);
    d.green_y = av_q2d(m->display_primaries[1][1]);
    d.blue_x = av_q2d(m->display_primaries[2][0]);
    d.blue_y = av_q2d(m->display_primaries[2][1]);
    d.white_x = av_q2d(m->white_point[0]);
    d.white_y = av_q2d(m->white_point[1]);
    d.max_luminance = av_q2d(m->max_luminance);
    d.min_luminance = av_q2d(m->min_luminance);
    h.mastering = d;
  }
  if (l && (l->MaxCLL || l->MaxFALL)) h.content_light = ContentLightLevel{int(l->MaxCLL), int(l->MaxFALL)};
  return h;
}

Status add_hdr_side_data(AVStream* stream, const HdrMetadata& hdr) {
  if (hdr.mastering) {
    auto* m = reinterpret_cast<AVMasteringDisplayMetadata*>(
        av_stream_new_side_data(stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, sizeof(AVMasteringDisplayMetadata)));
    if (!m) return out_of_memory("cannot add mastering display metadata to the output stream");
    *m = AVMasteringDisplayMetadata{};
    const MasteringDisplay& d = *hdr.mastering;
    // The units HEVC's SEI carries: 0.00002 for chromaticity, 0.0001 cd/m2 for luminance.
    auto q = [](double v, int den) { return AVRational{static_cast<int>(std::lround(v * den)), den}; };
    m->display_primaries[0][0] = q(d.red_x, 50000);
    m->display_primaries[0][1] = q(d.red_y, 50000);
    m->display_primaries[1][0] = q(d.green_x, 50000);
    m->display_primaries[1][1] = q(d.green_y, 50000);
    m->display_primaries[2][0] = q(d.blue_x, 50000);
    m->display_primaries[2][1] = q(d.blue_y, 50000);
    m->white_point[0] = q(d.white_x, 50000);
    m->white_point[1] = q(d.white_y, 50000);
    m->max_luminance = q(d.max_luminance, 10000);
    m->min_luminance = q(d.min_luminance, 10000);
    m->has_primaries = 1;
    m->has_luminance = 1;
  }
  if (hdr.content_light) {
    auto* l = reinterpret_cast<AVContentLightMetadata*>(
        av_stream_new_side_data(stream, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, sizeof(AVContentLightMetadata)));
    if (!l) return out_of_memory("cannot add content light metadata to the output stream");
    l->MaxCLL = static_cast<unsigned>(hdr.content_light->max_cll);
    l->MaxFALL = static_cast<unsigned>(hdr.content_light->max_fall);
  }
  return Status::ok();
}

std::string x265_hdr_params(const HdrMetadata& hdr) {
  std::string s;
  if (hdr.mastering) {
    const MasteringDisplay& d = *hdr.mastering;
    auto c = [](double v) { return std::to_string(std::lround(v * 50000)); };
    auto l = [](double v) { return std::to_string(std::lround(v * 10000)); };
    s += "master-display=G(" + c(d.green_x) + "," + c(d.green_y) + ")B(" + c(d.blue_x) + "," + c(d.blue_y) + ")R(" +
         c(d.red_x) + "," + c(d.red_y) + ")WP(" + c(d.white_x) + "," + c(d.white_y) + ")L(" + l(d.max_luminance) +
         "," + l(d.min_luminance) + ")";
  }
  if (hdr.content_light) {
    if (!s.empty()) s += ":";
    s += "max-cll=" + std::to_string(hdr.content_light->max_cll) + "," + std::to_string(hdr.content_light->max_fall);
  }
  return s;
}

int rotation_from_stream(const AVStream* stream) {
  size_t size = 0;
  const uint8_t* m = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!m || size < 9 * sizeof(int32_t)) return 0;
  // av_display_rotation_get gives the counter-clockwise angle of the transform.
  const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(m));
  if (std::isnan(ccw)) return 0;
  long cw = std::lround(-ccw / 90.0) * 90 % 360;
  if (cw < 0) cw += 360;
  return static_cast<int>(cw);
}

ImageView view_of(const AVFrame* frame, PixelFormat format, const ColorDesc& color, MemoryKind memory, int device) {
  std::array<ImageView::Plane, 3> planes{};
  const int n = format_info(format).num_planes;
  for (int p = 0; p < n; ++p) planes[p] = {frame->data[p], static_cast<size_t>(frame->linesize[p])};
  return ImageView(ImageDesc{frame->width, frame->height, format, color}, memory, planes, device);
}

}  // namespace caldera::io::av

namespace caldera::io {

// The FFmpeg half of media_capabilities() (media.cpp adds the nvJPEG plugin).
void fill_ffmpeg_capabilities(MediaCapabilities& c) {
  c.ffmpeg = av_version_info();
  c.nvdec = av_hwdevice_find_type_by_name("cuda") != AV_HWDEVICE_TYPE_NONE;
  c.encoders = av::available_encoders();
}

}  // namespace caldera::io
