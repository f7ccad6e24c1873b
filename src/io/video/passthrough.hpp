// The streams of an input file that are copied to the output unchanged (audio, subtitles, data),
// and their packets, which travel attached to the video frames (caldera/frame.hpp).
#pragma once

#include <string>
#include <vector>

#include "caldera/io/media.hpp"
#include "io/video/av_common.hpp"

namespace caldera::io::av {

struct CopiedStream {
  int input_index = -1;        // the stream's index in the input file
  AVCodecParameters* par = nullptr;  // owned
  AVRational time_base{1, 1};
  int disposition = 0;
  std::string language;        // the "language" tag, empty when absent
  std::string title;
  AVMediaType type = AVMEDIA_TYPE_UNKNOWN;
};

class AvPassthroughStreams : public PassthroughStreams {
 public:
  AvPassthroughStreams() = default;
  AvPassthroughStreams(const AvPassthroughStreams&) = delete;
  AvPassthroughStreams& operator=(const AvPassthroughStreams&) = delete;
  ~AvPassthroughStreams() override {
    for (auto& s : streams) avcodec_parameters_free(&s.par);
  }
  int count() const override { return static_cast<int>(streams.size()); }
  std::string input_path;
  std::vector<CopiedStream> streams;
};

class AvPassthroughPacket : public PassthroughPacket {
 public:
  explicit AvPassthroughPacket(Packet p, int stream) : packet(std::move(p)), stream_index(stream) {}
  Packet packet;     // timestamps already shifted to the output's zero, in the stream's time base
  int stream_index;  // index into AvPassthroughStreams::streams
};

}  // namespace caldera::io::av
