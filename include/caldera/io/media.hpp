// Where jobs read frames from and write them to: still images (PNG, JPEG), Y4M, raw frames and
// video files (through FFmpeg). Sources say what their frames are before the first one is read;
// sinks write under a temporary name and rename only when finish() succeeds, so a failed job
// leaves nothing under the output's name.
#pragma once

#include <memory>
#include <string>

#include "caldera/context.hpp"
#include "caldera/frame.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera {

// The file's other streams, as a writer that copies them needs them (opaque outside src/io).
class PassthroughStreams {
 public:
  virtual ~PassthroughStreams() = default;
  virtual int count() const = 0;
};

struct MediaInfo {
  ImageDesc desc;                          // every frame read has this description
  MemoryKind memory = MemoryKind::Host;    // where read() puts frames (Device for GPU decoding)
  long frame_count = -1;                   // -1 when unknown
  double duration_seconds = -1;            // -1 when unknown
  Rational time_base{1, 25};               // of Frame::pts
  Rational frame_rate{25, 1};              // nominal (the average one for variable frame rate)
  bool variable_frame_rate = false;
  Rational sample_aspect{1, 1};
  char interlace = 'p';                    // Y4M's code: p progressive, t/b field order, m mixed
  int rotation = 0;                        // degrees clockwise a player turns the picture
  std::string container;                   // "png", "y4m", "raw", or FFmpeg's demuxer name
  std::string codec;                       // "h264", "hevc", ... (empty for uncompressed files)
  std::string decoder;                     // what decodes it, for messages: "hevc (NVDEC)", "h264 (software)"
  std::shared_ptr<const PassthroughStreams> passthrough;  // null when there is nothing to copy
};

class MediaSource {
 public:
  virtual ~MediaSource() = default;
  virtual const MediaInfo& info() const = 0;
  // The next frame into `frame` (index, timestamps, passthrough packets set). Its image's memory
  // is reused when it already has info().desc in info().memory; otherwise the source allocates
  // (or hands over a decoder's own buffer). False at a clean end; a damaged file is an IoError
  // naming the frame.
  virtual Result<bool> read(Frame& frame) = 0;
};

class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Formats this sink stores as they are; anything else is converted to preferred() first.
  virtual bool accepts(PixelFormat format) const = 0;
  virtual PixelFormat preferred(const ImageDesc& produced) const = 0;
  // Where frames handed to write() may live (host memory unless the sink encodes on the GPU).
  virtual bool accepts_memory(MemoryKind memory) const { return is_host_memory(memory); }
  // `source` is what the frames came from: timing, rotation and the streams to copy through.
  virtual Status open(const ImageDesc& desc, const MediaInfo& source) = 0;
  virtual Status write(const Frame& frame) = 0;
  // How many threads may call write() at once (frames then arrive in any order, each with its
  // index). 1 for encoders and every other writer that keeps state from frame to frame.
  virtual int parallel_writers() const { return 1; }
  virtual Status finish() = 0;
  // For messages: "libx264 crf 23 -> out.mp4".
  virtual std::string describe() const = 0;
};

struct SourceOptions {
  std::string raw_format, raw_size;  // raw frames only: pixel format and WxH
  // A CUDA context to decode into (NVDEC) where the codec allows; null decodes on the CPU.
  Context* decode_context = nullptr;
};

struct SinkOptions {
  int jpeg_quality = 92;
};

// A path with one printf-style frame number ("out/frame_%05d.png", "%d.jpg") names an image
// sequence: one PNG or JPEG per frame, numbered by the frame's index from 0.
bool is_image_sequence_pattern(const std::string& path);

Result<std::unique_ptr<MediaSource>> open_media_source(const std::string& path, const SourceOptions& options = {});
Result<std::unique_ptr<MediaSink>> make_media_sink(const std::string& path, const SinkOptions& options = {});

}  // namespace caldera
