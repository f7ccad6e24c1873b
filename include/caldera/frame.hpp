// A frame on its way through a job: the picture, where it sits in time, and the packets of the
// file's other streams (audio, subtitles) that were read with it and travel beside it to the
// writer, so they stay in order with the pictures through every stage.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "caldera/image.hpp"

namespace caldera {

struct Rational {
  int num = 0, den = 1;
  double value() const { return den == 0 ? 0.0 : double(num) / den; }
  bool valid() const { return num > 0 && den > 0; }
  bool operator==(const Rational&) const = default;
};

inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// A compressed packet of a stream that is copied through unchanged. Only the reader that made
// it and a writer of the same family (FFmpeg) look inside.
class PassthroughPacket {
 public:
  virtual ~PassthroughPacket() = default;
};

struct Frame {
  Image image;
  long index = 0;               // presentation order, from 0
  int64_t pts = kNoTimestamp;   // presentation time in time_base units
  int64_t duration = 0;         // in time_base units; 0 when unknown
  Rational time_base{1, 25};
  std::string name;             // the source's name for it (an image file's stem); empty for video
  std::vector<std::shared_ptr<const PassthroughPacket>> passthrough;

  double seconds() const { return pts == kNoTimestamp ? -1.0 : double(pts) * time_base.num / time_base.den; }
};

}  // namespace caldera
