// ONNX Runtime (the onnxruntime-node npm package, CPU) as the oracle of the ONNX tests: writes a
// model and an input into the test's directory, runs tests/nn/ort/run_model.js, reads the output
// back. Tests skip when node or the package is missing (scripts/setup.sh installs it into
// .cache/node; CALDERA_ORT_NODE may name another onnxruntime-node directory).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "caldera/nn/model.hpp"
#include "nn/cpu/cpu_runtime.hpp"
#include "nn/ir/graph.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn::testing {

inline std::string ort_dir() {
  if (const char* d = std::getenv("CALDERA_ORT_NODE"); d && *d) return d;
  return std::string(CALDERA_SOURCE_DIR) + "/.cache/node/node_modules/onnxruntime-node";
}

// Empty when ONNX Runtime can run here, else why not.
inline std::string ort_missing() {
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not installed";
  if (!std::filesystem::exists(ort_dir() + "/package.json"))
    return "onnxruntime-node is not at " + ort_dir() + " (run scripts/setup.sh, or set CALDERA_ORT_NODE)";
  return "";
}

struct OrtOutput {
  std::vector<int64_t> dims;
  std::vector<float> data;
  std::string error;  // non-empty when ONNX Runtime failed (its log)
};

inline std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : ",") + std::to_string(d);
  return s;
}

// Runs model bytes (written as <name>.onnx) on `input` of `dims` with ONNX Runtime.
inline OrtOutput run_ort(const std::string& name, const std::string& model_bytes, const std::vector<float>& input,
                         const std::vector<int64_t>& dims) {
  const auto quoted = [](const std::string& s) { return "'" + s + "'"; };
  const std::filesystem::path dir = test_dir();
  const std::string model_path = (dir / (name + ".onnx")).string();
  write_file(model_path, model_bytes.data(), model_bytes.size());
  const std::string in_path = (dir / "input.f32").string(), out_path = (dir / "ort_output.f32").string();
  write_file(in_path, input.data(), input.size() * sizeof(float));
  std::filesystem::remove(out_path);
  const std::string log = (dir / "node.log").string();
  const std::string cmd = "node " + quoted(std::string(CALDERA_SOURCE_DIR) + "/tests/nn/ort/run_model.js") + " " +
                          quoted(ort_dir()) + " " + quoted(model_path) + " " + quoted(in_path) + " " + dims_text(dims) +
                          " " + quoted(out_path) + " > " + quoted(log) + " 2>&1";
  OrtOutput r;
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream f(log);
    std::stringstream text;
    text << f.rdbuf();
    r.error = "ONNX Runtime failed on " + model_path + ":\n" + text.str();
    return r;
  }
  std::ifstream dims_file(out_path + ".dims");
  std::string line;
  std::getline(dims_file, line);
  std::stringstream ds(line);
  for (std::string item; std::getline(ds, item, ',');) r.dims.push_back(std::stoll(item));
  std::ifstream out_file(out_path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  r.data.resize(raw.size() / sizeof(float));
  std::memcpy(r.data.data(), raw.data(), r.data.size() * sizeof(float));
  return r;
}

// An ONNX output's dims as the IR holds them: rank <= 4 padded with trailing 1s.
inline std::vector<int64_t> ir_dims(std::vector<int64_t> onnx_dims) {
  while (onnx_dims.size() < 4) onnx_dims.push_back(1);
  return onnx_dims;
}

struct Agreement {
  double worst = 0, range = 0;
  size_t at = 0;
};

// max |got - want| and the range of want (NaN in got counts as the worst).
inline Agreement agreement(const std::vector<float>& got, const std::vector<float>& want) {
  Agreement a;
  if (want.empty()) return a;
  const auto [lo, hi] = std::minmax_element(want.begin(), want.end());
  a.range = std::max(static_cast<double>(*hi - *lo), 1e-6);
  for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
    const double e = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(e <= a.worst)) a.worst = e, a.at = i;
  }
  return a;
}

// Loads `model_bytes` through Model::load (the passes on), runs the CPU runtime and ONNX Runtime
// on the same random input, and expects max abs error <= 1e-4 of the output range and the same
// dims. Prints the measured error. Skips when ONNX Runtime is not installed.
inline void expect_matches_ort(const std::string& name, const std::string& model_bytes, const std::vector<int64_t>& in_dims,
                               uint64_t seed = 4242) {
  const std::string missing = ort_missing();
  if (!missing.empty()) GTEST_SKIP() << missing;
  size_t count = 1;
  for (int64_t d : in_dims) count *= static_cast<size_t>(d);
  const std::vector<float> x = random_values(count, seed, -1.f, 1.f);
  const OrtOutput want = run_ort(name, model_bytes, x, in_dims);
  ASSERT_TRUE(want.error.empty()) << want.error;
  ASSERT_FALSE(want.data.empty());

  const std::string path = (test_dir() / (name + ".onnx")).string();
  auto model = Model::load(path);
  ASSERT_TRUE(model) << model.status().to_string();
  std::vector<cpu::HostTensor> outs;
  const ir::Shape in_shape{in_dims[0], in_dims[1], in_dims[2], in_dims[3]};
  Status s = cpu::run_graph(model->graph(), {x.data()}, {in_shape}, outs, 2);
  ASSERT_TRUE(s) << s.to_string();
  EXPECT_EQ(dims_text(outs[0].shape.dims()), dims_text(ir_dims(want.dims))) << name;
  ASSERT_EQ(outs[0].data.size(), want.data.size());
  const Agreement a = agreement(outs[0].data, want.data);
  EXPECT_LE(a.worst / a.range, 1e-4) << name << ": max abs error " << a.worst << " at element " << a.at << " (ours "
                                     << outs[0].data[a.at] << ", ONNX Runtime " << want.data[a.at]
                                     << "), output range " << a.range;
  std::printf("[ ORT      ] %s: %s -> %s, max abs error %.3g (%.3g of the range)\n", name.c_str(),
              dims_text(in_dims).c_str(), dims_text(want.dims).c_str(), a.worst, a.worst / a.range);
}

}  // namespace caldera::nn::testing
