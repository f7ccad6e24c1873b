#include "nn/import/ncnn/weight_reader.hpp"

#include <cstdio>
#include <cstring>

#include "caldera/half.hpp"

namespace caldera::nn::ncnn {
namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

float load_f32(const uint8_t* p) {
  const uint32_t bits = load_le32(p);
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

Status WeightReader::need(size_t count, size_t item_bytes, const std::string& what) const {
  // Compare counts, not count * item_bytes, so a corrupt count cannot overflow the size.
  if (count <= remaining() / item_bytes) return Status::ok();
  return io_error(file_ + ": truncated: " + what + " needs " + std::to_string(count) + " x " + std::to_string(item_bytes) +
                  " bytes at offset " + std::to_string(offset_) + ", only " + std::to_string(remaining()) + " bytes remain");
}

Result<std::vector<float>> WeightReader::read_float32(size_t count, const std::string& what) {
  CALDERA_RETURN_IF_ERROR(need(count, 4, what));
  std::vector<float> out(count);
  const uint8_t* p = bytes_.data() + offset_;
  for (size_t i = 0; i < count; ++i) out[i] = load_f32(p + 4 * i);
  offset_ += 4 * count;
  return out;
}

Result<std::vector<float>> WeightReader::read_tagged(size_t count, const std::string& what) {
  CALDERA_RETURN_IF_ERROR(need(1, 4, what + " storage tag"));
  const uint32_t tag = load_le32(bytes_.data() + offset_);
  const size_t tag_offset = offset_;
  offset_ += 4;
  if (tag == kTagFloat16) {
    CALDERA_RETURN_IF_ERROR(need(count, 2, what + " (float16)"));
    const size_t padded = (count * 2 + 3) / 4 * 4;  // ncnn pads fp16 arrays to 4 bytes
    CALDERA_RETURN_IF_ERROR(need(padded, 1, what + " (float16, padded to 4 bytes)"));
    std::vector<float> out(count);
    const uint8_t* p = bytes_.data() + offset_;
    for (size_t i = 0; i < count; ++i)
      out[i] = half_to_float(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
    offset_ += padded;
    ++stats_.float16_arrays;
    return out;
  }
  if (tag == kTagFloat32) {
    auto out = read_float32(count, what + " (float32)");
    if (out) ++stats_.float32_arrays;
    return out;
  }
  if (tag == kTagInt8)
    return unsupported(file_ + ": " + what + " at offset " + std::to_string(tag_offset) +
                       " is int8-quantised (tag 0x000D4B38); only float32 and float16 weights are supported");
  return unsupported(file_ + ": " + what + " at offset " + std::to_string(tag_offset) + " has storage tag " + hex32(tag) +
                     " (a quantisation table or not weight data at all: is the .bin the one for this .param?); "
                     "only float32 (0x00000000) and float16 (0x01306B47) are supported");
}

}  // namespace caldera::nn::ncnn
