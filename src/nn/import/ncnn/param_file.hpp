// The text form of an ncnn model description (.param):
//
//   7767517                                  magic
//   <layer count> <blob count>
//   <type> <name> <n inputs> <n outputs> <input blobs...> <output blobs...> <id>=<value>...
//
// A value is an integer, a float (written with '.', 'e' or 'E'), or an array written under the
// id -23300 - <id> as "<count>,<v0>,<v1>,...". This reader only splits and checks the text; what
// each id means is the importer's business. Every error names the file and the line.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "caldera/status.hpp"

namespace caldera::nn::ncnn {

inline constexpr int kParamMagic = 7767517;
inline constexpr int kMaxParamId = 32;  // ncnn keeps ids 0..31

struct ParamValue {
  bool is_array = false;
  bool is_float = false;          // scalar written as a float
  int i = 0;                      // scalar as written (integer) or truncated (float)
  float f = 0.f;                  // scalar as a float
  std::vector<float> values;      // array items as floats
  std::vector<int> ints;          // array items as integers (as written, or truncated floats)
  std::vector<bool> item_is_float;
};

class ParamDict {
 public:
  bool has(int id) const { return values_.count(id) > 0; }
  void set(int id, ParamValue v) { values_[id] = std::move(v); }
  // Typed reads: `context` names the layer for errors ("model.param:12: layer 'Conv_0'").
  Result<int> get_int(int id, int fallback, const std::string& context) const;
  Result<float> get_float(int id, float fallback, const std::string& context) const;
  Result<std::vector<float>> get_floats(int id, const std::string& context) const;  // empty if absent
  // An array of integers (an item written as a float is an error); empty if absent.
  Result<std::vector<int>> get_ints(int id, const std::string& context) const;
  const std::map<int, ParamValue>& all() const { return values_; }

 private:
  std::map<int, ParamValue> values_;
};

struct LayerLine {
  int line = 0;  // 1-based line in the file
  std::string type, name;
  std::vector<std::string> inputs, outputs;
  ParamDict params;
};

struct ParamFile {
  int declared_layers = 0;
  int declared_blobs = 0;
  std::vector<LayerLine> layers;
};

// Parses the text of a .param file; `file_name` is used in error messages only.
Result<ParamFile> parse_param_text(std::string_view text, const std::string& file_name);

}  // namespace caldera::nn::ncnn
