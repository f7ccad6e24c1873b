// Reads an ncnn .bin weight file: the layers' arrays one after another, no header, no index.
// Two kinds of read (the layer decides which applies to which array):
//  - tagged (convolution weights): a 4-byte little-endian tag says how the array is stored:
//      0x00000000  float32, raw
//      0x01306B47  float16, padded to a multiple of 4 bytes
//      0x000D4B38  int8 (not supported: quantised models need scales this reader does not take)
//      other       ncnn's 256-entry lookup-table quantisation (not supported)
//  - raw float32 with no tag (biases, PReLU slopes).
// Every read checks the bytes left first, so a truncated file is an error naming the layer and
// the offset, never a read past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "caldera/status.hpp"

namespace caldera::nn::ncnn {

inline constexpr uint32_t kTagFloat32 = 0x00000000u;
inline constexpr uint32_t kTagFloat16 = 0x01306B47u;
inline constexpr uint32_t kTagInt8 = 0x000D4B38u;

// How each tagged array of a model was stored, for `inspect`.
struct WeightStats {
  size_t float32_arrays = 0, float16_arrays = 0, raw_arrays = 0;
};

class WeightReader {
 public:
  WeightReader(std::span<const uint8_t> bytes, std::string file_name) : bytes_(bytes), file_(std::move(file_name)) {}

  // `what` names the array in errors: "model.param:5: layer 'Conv_0' (Convolution) weight".
  Result<std::vector<float>> read_tagged(size_t count, const std::string& what);
  Result<std::vector<float>> read_float32(size_t count, const std::string& what);

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  const std::string& file_name() const { return file_; }
  const WeightStats& stats() const { return stats_; }

 private:
  Status need(size_t count, size_t item_bytes, const std::string& what) const;

  std::span<const uint8_t> bytes_;
  std::string file_;
  size_t offset_ = 0;
  WeightStats stats_{};
};

}  // namespace caldera::nn::ncnn
