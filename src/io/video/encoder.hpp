// One video encoder: NVENC where the job runs on a GPU that has it (frames copied device to
// device into the encoder's own surfaces), else the codec's software encoder (libx264, libx265,
// SVT-AV1/libaom, libvpx) from host frames. The choice is made and probed up front, so a sink
// can say which formats and memory it takes before anything is written.
#pragma once

#include <string>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/io/media.hpp"
#include "io/video/av_common.hpp"

namespace caldera::io::av {

// The encoders Encoder::choose() picks from (software per codec, then NVENC) that this FFmpeg has.
std::vector<std::string> available_encoders();

class Encoder {
 public:
  // `container` is the output's extension (".mp4"), which sets the default codec.
  static Result<Encoder> choose(const SinkOptions& options, const std::string& container, const std::string& path);
  Encoder(Encoder&&) noexcept = default;
  Encoder& operator=(Encoder&&) noexcept = default;
  ~Encoder() = default;

  bool accepts(PixelFormat f) const;
  PixelFormat preferred(const ImageDesc& produced) const;
  bool takes_device_frames() const { return hardware_; }

  // Opens the encoder for frames of `desc`; `global_header` when the container wants the codec's
  // headers out of band (MP4, MKV).
  Status open(const ImageDesc& desc, const MediaInfo& source, bool global_header);
  Status send(const Frame& frame);
  Status flush();
  // The next packet (in the encoder's time base): false when it needs more frames or is drained.
  Result<bool> receive(AVPacket* packet);

  const AVCodecContext* context() const { return ctx_.get(); }
  // "libx264 (crf 23, preset medium)".
  std::string describe() const;
  // Why the encoder is not the first choice ("NVENC is not available on this GPU: ..."), or "".
  const std::string& note() const { return note_; }

 private:
  Encoder() = default;
  Status set_private_option(const char* key, const std::string& value);
  Status copy_into_frame(const Frame& frame, AVFrame* dst);

  const AVCodec* codec_ = nullptr;
  SinkOptions options_;
  std::string path_;
  std::string note_;
  bool hardware_ = false;
  CodecContext ctx_;
  BufferRef hw_device_;
  BufferRef hw_frames_;
  AvFrame staging_ = make_frame();
  Context* cuda_ = nullptr;
  std::vector<PixelFormat> formats_;  // Caldera formats the encoder takes as they are
  bool flushed_ = false;
  long frames_sent_ = 0;
};

}  // namespace caldera::io::av
