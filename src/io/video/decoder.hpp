// One video stream's decoder: NVDEC through FFmpeg's CUDA device where a CUDA context is given
// and NVDEC takes the codec and profile, FFmpeg's software decoder otherwise. NVDEC frames stay in
// device memory and are handed over without a copy; software frames stay in FFmpeg's buffers.
#pragma once

#include <string>

#include "caldera/context.hpp"
#include "io/video/av_common.hpp"

namespace caldera::io::av {

struct DecoderOptions {
  Context* cuda = nullptr;  // NVDEC on this context's device and stream; null: software
  // Frames the caller may hold at once: NVDEC's surface pool is enlarged by this many, since a
  // frame handed over without a copy keeps its surface until it is released.
  int frames_held = 8;
  int threads = 0;  // software decoding threads, 0 = one per core
};

class Decoder {
 public:
  static Result<Decoder> open(const AVStream* stream, const DecoderOptions& options, const std::string& path);
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  ~Decoder();

  // Sends one packet (null at the end of the stream to drain the decoder).
  Status send(const AVPacket* packet);
  // The next decoded frame into `out`: false when the decoder needs more input or is drained.
  Result<bool> receive(AVFrame* out);
  bool drained() const { return drained_; }

  // "h264 (NVDEC)", "hevc (software, 16 threads)", "h264 (software: NVDEC does not take High 4:4:4)".
  std::string describe() const;
  // True while frames come out in device memory (NVDEC).
  bool on_device() const;
  const std::string& fallback_reason() const { return fallback_reason_; }

 private:
  Decoder() = default;
  static AVPixelFormat pick_format(AVCodecContext* ctx, const AVPixelFormat* formats);
  std::string failure_what() const;  // "<codec> decoding failed", with the NVDEC fallback's reason

  CodecContext ctx_;
  BufferRef hw_device_;
  std::string path_;
  std::string codec_name_;
  std::string fallback_reason_;
  bool want_hw_ = false;
  bool hw_active_ = false;
  bool drained_ = false;
};

}  // namespace caldera::io::av
