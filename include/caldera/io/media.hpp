// Where jobs read frames from and write them to: still images (PNG, JPEG), Y4M, raw frames and
// video files (through FFmpeg). Sources say what their frames are before the first one is read;
// sinks write under a temporary name and rename only when finish() succeeds, so a failed job
// leaves nothing under the output's name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
  ImageDesc desc;                          // the first frame's description (every frame's unless size_varies)
  bool size_varies = false;                // frames may differ in size or format (a folder of images)
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
  std::vector<std::string> notes;          // what the reader decided that a user should hear
  // read() hands over an image of its own (a decoder's frame, a decoded file) instead of filling
  // the one it is given, so callers need not allocate one for it.
  bool hands_over_images = false;
};

class MediaSource {
 public:
  virtual ~MediaSource() = default;
  virtual const MediaInfo& info() const = 0;
  // The next frame into `frame` (index, timestamps, passthrough packets set). Its image's memory
  // is reused when it already has info().desc in info().memory; otherwise the source allocates
  // (or hands over a decoder's own buffer). False at a clean end; a damaged file is an IoError
  // naming the frame. A device frame must not be dropped while queued GPU work still reads it:
  // synchronise with that work first (its memory may be the decoder's, reused at once).
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
  // Video files: a CUDA context to decode into with NVDEC where the codec and profile allow
  // (frames then come out in device memory, ordered on its stream); null decodes on the CPU.
  Context* decode_context = nullptr;
  // Frames the caller holds at once at most (NVDEC keeps a surface per frame handed over).
  int frames_held = 8;
  double start_seconds = 0;      // skip to this time (the output's timestamps start at 0 there)
  double duration_seconds = -1;  // stop after this much (-1: to the end)
  bool copy_streams = true;      // read audio, subtitle and data packets to copy them through
};

struct SinkOptions {
  int jpeg_quality = 92;
  // Folders of images: the file type written ("png" or "jpg") where the output does not say.
  std::string image_format = "png";
  // Video files (.mp4, .mkv, .mov, .ts, .webm):
  std::string codec;          // h264, hevc, av1, vp9; empty: h264 (vp9 for .webm)
  std::string encoder;        // an FFmpeg encoder by name (libx265, hevc_nvenc); empty: chosen
  double crf = -1;            // constant quality; -1: the encoder's default (x264 23, x265 28)
  int64_t bitrate = 0;        // bits per second instead of constant quality; 0: none
  std::string preset;         // the encoder's speed preset (x264 "medium", NVENC "p4"); empty: its default
  int gop = 0;                // frames between keyframes; 0: the encoder's default
  std::string pixel_format;   // the encoder's input format (yuv420p, yuv420p10le, nv12, p010le...); empty: from the frames
  int threads = 0;            // encoder threads; 0: the encoder's default
  // A CUDA context where the job runs on the GPU: NVENC is tried first and takes device frames.
  // Null: software encoders only.
  Context* encode_context = nullptr;
};

// A folder, or a pattern with * ? [ ] (a shell glob the shell did not expand): a sequence of
// still images in, one per frame.
bool is_image_sequence_input(const std::string& path);

// A path with one printf-style frame number ("out/frame_%05d.png", "%d.jpg") names an image
// sequence: one PNG or JPEG per frame, numbered by the frame's index from 0.
bool is_image_sequence_pattern(const std::string& path);

Result<std::unique_ptr<MediaSource>> open_media_source(const std::string& path, const SourceOptions& options = {});
// What this build can read and write, for `caldera info`.
struct MediaCapabilities {
  std::string ffmpeg;                 // FFmpeg's version ("5.1.9-0+deb12u1")
  bool nvdec = false;                 // FFmpeg has CUDA hardware decoding (whether the GPU has NVDEC is another matter)
  std::vector<std::string> encoders;  // the video encoders Caldera chooses from that this FFmpeg has
  bool nvjpeg_plugin = false;         // libcaldera_nvjpeg.so loads (JPEG decoding on the GPU)
  std::string nvjpeg_detail;          // where it was found, or why not
};
MediaCapabilities media_capabilities();

// "8M", "2500k", "800000": bits per second for SinkOptions::bitrate.
Result<int64_t> parse_bitrate(const std::string& text);

// The output name that discards every frame (for timing decoding and processing alone).
inline constexpr const char* kNullSinkName = "null";
Result<std::unique_ptr<MediaSink>> make_media_sink(const std::string& path, const SinkOptions& options = {});

}  // namespace caldera
