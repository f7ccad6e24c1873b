// Helpers for the neural-engine tests: building ncnn .bin bytes by hand, writing files into the
// test's temporary directory, deterministic random weights, and a few IR node builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "caldera/half.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::testing {

// Bytes of an ncnn .bin, appended in the order the layers read them.
struct BinWriter {
  std::vector<uint8_t> bytes;

  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void raw_f32(const std::vector<float>& v) {
    for (float f : v) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      u32(bits);
    }
  }
  // Tag 0 then float32 values (a convolution's weights).
  void tagged_f32(const std::vector<float>& v) {
    u32(0);
    raw_f32(v);
  }
  // Tag 0x01306B47 then float16 values, padded to 4 bytes as ncnn writes them.
  void tagged_f16(const std::vector<float>& v) {
    u32(0x01306B47u);
    for (float f : v) {
      const uint16_t h = float_to_half(f);
      bytes.push_back(static_cast<uint8_t>(h & 0xff));
      bytes.push_back(static_cast<uint8_t>(h >> 8));
    }
    while (bytes.size() % 4) bytes.push_back(0);
  }
};

inline std::filesystem::path test_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "caldera_nn" /
                              (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_file(const std::filesystem::path& path, const void* data, size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  write_file(path, text.data(), text.size());
}

inline std::vector<float> random_values(size_t count, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

// IR builders for tests that make graphs in code.
inline int add_input(ir::Graph& g, const std::string& name, int channels) {
  const int t = g.add_tensor(name, ir::Shape{1, channels, ir::kDynamic, ir::kDynamic});
  ir::Node n;
  n.op = ir::OpType::Input;
  n.name = name;
  n.outputs = {t};
  g.add_node(std::move(n));
  g.inputs.push_back(t);
  return t;
}

inline int add_op(ir::Graph& g, ir::OpType op, const std::string& name, std::vector<int> inputs, ir::Attrs attrs = {},
                  std::vector<ir::Weight> weights = {}) {
  const int t = g.add_tensor(name);
  ir::Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.outputs = {t};
  n.attrs = std::move(attrs);
  n.weights = std::move(weights);
  g.add_node(std::move(n));
  return t;
}

inline ir::Conv2dAttrs conv_attrs(int in, int out, int k, int pad, bool bias) {
  ir::Conv2dAttrs a;
  a.in_channels = in;
  a.out_channels = out;
  a.kernel_h = a.kernel_w = k;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  a.has_bias = bias;
  return a;
}

}  // namespace caldera::nn::testing
