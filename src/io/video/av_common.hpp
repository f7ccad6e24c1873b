// What every FFmpeg-facing file needs: RAII owners for FFmpeg's objects, FFmpeg's error text as a
// Status, and the mappings between FFmpeg's pixel formats / colour tags / side data and Caldera's.
// Only src/io/video includes FFmpeg headers; nothing of FFmpeg reaches the public API.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/pixdesc.h>
}

#include <memory>
#include <optional>
#include <string>

#include "caldera/color.hpp"
#include "caldera/frame.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera::io::av {

struct FormatContextCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct BufferUnref {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};
using InputContext = std::unique_ptr<AVFormatContext, FormatContextCloser>;
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using Packet = std::unique_ptr<AVPacket, PacketFreer>;
using AvFrame = std::unique_ptr<AVFrame, FrameFreer>;
using BufferRef = std::unique_ptr<AVBufferRef, BufferUnref>;

Packet make_packet();
AvFrame make_frame();

// FFmpeg's message for an AVERROR code.
std::string error_text(int averror);
// FFmpeg's message for the code and the last error it logged (its detail, "moov atom not found").
std::string error_detail(int averror);
// FFmpeg's last few error-level log lines since the last call, joined by " / " (empty if none), for messages about
// failures FFmpeg reports only in its log (NVDEC's set-up inside avcodec's get_format).
std::string take_last_log_lines();
// `what` + ": " + error_detail(averror); IoError unless another code fits better.
Status error(const std::string& what, int averror);

// FFmpeg's logging goes to stderr by default and prints from decoder threads; route it to
// Caldera's own quiet default (errors only) once per process.
void init_logging();

Rational from_av(AVRational r);
AVRational to_av(Rational r);

// Pixel formats Caldera has an exact equivalent for (yuvj* map to full range); nullopt otherwise.
std::optional<PixelFormat> from_av_pixel_format(AVPixelFormat f, bool* full_range_hint = nullptr);
AVPixelFormat to_av_pixel_format(PixelFormat f);

// Colour tags. Unspecified tags take what players assume: BT.709 at HD sizes and above, BT.601
// below; limited range; BT.709 transfer; left chroma siting (MPEG-2/H.264/HEVC).
ColorDesc color_from_av(AVColorSpace space, AVColorRange range, AVColorTransferCharacteristic trc,
                        AVColorPrimaries primaries, AVChromaLocation location, int width, int height);
void color_to_av(const ColorDesc& c, AVColorSpace& space, AVColorRange& range, AVColorTransferCharacteristic& trc,
                 AVColorPrimaries& primaries, AVChromaLocation& location);

// HDR10 static metadata from FFmpeg's structures (any may be null) and back.
HdrMetadata hdr_from_av(const AVMasteringDisplayMetadata* mastering, const AVContentLightMetadata* light);
// Adds the metadata as stream side data (what the MP4 and Matroska muxers write).
Status add_hdr_side_data(AVStream* stream, const HdrMetadata& hdr);
// The x265 parameter string for the same metadata ("master-display=G(...)...:max-cll=1000,400").
std::string x265_hdr_params(const HdrMetadata& hdr);

// Clockwise rotation in degrees (0, 90, 180, 270) from a stream's display matrix; 0 when absent.
int rotation_from_stream(const AVStream* stream);

// A view of a host or device AVFrame's planes as a Caldera image of `format` (no copy).
ImageView view_of(const AVFrame* frame, PixelFormat format, const ColorDesc& color, MemoryKind memory, int device);

}  // namespace caldera::io::av
