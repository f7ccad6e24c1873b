// Values the ONNX importer knows at import time: initializers, Constant outputs and everything
// folded from them (the Shape -> Gather -> Unsqueeze -> Concat chains exporters write to compute
// Resize sizes and Reshape shapes). An element of a folded shape may stay symbolic: "factor x
// dimension `axis` of runtime tensor `tensor`", so a size computed from a dynamic input height
// still folds (it becomes a Resize scale).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caldera/status.hpp"
#include "onnx/onnx_pb.h"

namespace caldera::nn::onnx_import {

// factor * (dimension `axis` of IR tensor `tensor`); tensor < 0 means a plain number.
struct SymDim {
  int tensor = -1;
  int axis = 0;
  double factor = 1.0;
};

struct ConstValue {
  std::vector<int64_t> dims;  // empty: a scalar
  bool is_float = true;       // element type: floating point, else integer
  std::vector<float> f32;     // float32 data as stored (weights); when empty, `num` holds the values
  std::vector<double> num;
  std::vector<SymDim> sym;    // empty, or one per element (symbolic where sym[k].tensor >= 0)

  size_t count() const { return f32.empty() ? num.size() : f32.size(); }
  double at(size_t k) const { return f32.empty() ? num[k] : static_cast<double>(f32[k]); }
  bool is_symbolic(size_t k) const { return !sym.empty() && sym[k].tensor >= 0; }
  bool any_symbolic() const;
  std::vector<float> floats() const;  // every element as float (none may be symbolic)
  std::string dims_text() const;      // "[1,64,1,1]"
};

// Decodes a TensorProto (float32/16/64, int8/16/32/64, uint8, bool) with every size checked
// against the dims; `what` names it in errors.
Result<ConstValue> decode_tensor(const onnx::TensorProto& t, const std::string& what);

// Element count of dims (1 for a scalar), or an error for negative / huge dims.
Result<size_t> element_count(const std::vector<int64_t>& dims, const std::string& what);

// Folding of the small ops shape subgraphs use. `what` names the node in errors.
Result<ConstValue> fold_gather(const ConstValue& data, const ConstValue& indices, int64_t axis, const std::string& what);
Result<ConstValue> fold_concat(const std::vector<const ConstValue*>& parts, int64_t axis, const std::string& what);
Result<ConstValue> fold_unsqueeze(const ConstValue& x, std::vector<int64_t> axes, const std::string& what);
Result<ConstValue> fold_squeeze(const ConstValue& x, const std::vector<int64_t>& axes, const std::string& what);
Result<ConstValue> fold_cast(const ConstValue& x, int to, const std::string& what);
// Add / Sub / Mul / Div (op "Add" ...) with NumPy broadcasting; symbolic elements survive
// multiplication and division by a plain number.
Result<ConstValue> fold_arith(const std::string& op, const ConstValue& a, const ConstValue& b, const std::string& what);
// Floor / Ceil / Neg / Abs / Sqrt elementwise.
Result<ConstValue> fold_unary(const std::string& op, const ConstValue& x, const std::string& what);
// Slice of a 1-D value.
Result<ConstValue> fold_slice1d(const ConstValue& x, int64_t start, int64_t end, int64_t step, const std::string& what);

}  // namespace caldera::nn::onnx_import
