#include "nn/import/onnx/onnx_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "caldera/half.hpp"

namespace caldera::nn::onnx_import {
namespace {

// Far more than any weight or shape tensor of an image model; guards the multiplications.
constexpr size_t kMaxElements = size_t{1} << 31;

template <class T>
std::vector<double> raw_as(const std::string& raw, size_t count) {
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
  return out;
}

bool is_float_type(int type) {
  return type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE || type == onnx::TensorProto::FLOAT16;
}

// Size in bytes of one element in raw_data; 0 for types the importer does not read.
size_t element_size(int type) {
  switch (type) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::DOUBLE: case onnx::TensorProto::INT64: return 8;
    case onnx::TensorProto::FLOAT16: case onnx::TensorProto::INT16: case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT8: case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

int64_t product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

Result<int64_t> normalize_axis(int64_t axis, size_t rank, const std::string& what) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return invalid_argument(what + ": axis " + std::to_string(axis) + " is outside a rank-" + std::to_string(rank) + " value");
  return axis < 0 ? axis + r : axis;
}

// A copy holding its values in `num` (so they can be edited elementwise) with a sym per element.
ConstValue editable(const ConstValue& x) {
  ConstValue out;
  out.dims = x.dims;
  out.is_float = x.is_float;
  out.num.resize(x.count());
  for (size_t i = 0; i < x.count(); ++i) out.num[i] = x.at(i);
  out.sym = x.sym.empty() ? std::vector<SymDim>(x.count()) : x.sym;
  return out;
}

// Drops the per-element symbols when none is symbolic.
ConstValue tidy(ConstValue v) {
  if (!v.any_symbolic()) v.sym.clear();
  return v;
}

}  // namespace

bool ConstValue::any_symbolic() const {
  return std::any_of(sym.begin(), sym.end(), [](const SymDim& s) { return s.tensor >= 0; });
}

std::vector<float> ConstValue::floats() const {
  if (!f32.empty()) return f32;
  std::vector<float> out(num.size());
  for (size_t i = 0; i < num.size(); ++i) out[i] = static_cast<float>(num[i]);
  return out;
}

std::string ConstValue::dims_text() const {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Result<size_t> element_count(const std::vector<int64_t>& dims, const std::string& what) {
  size_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) return invalid_argument(what + ": negative dimension " + std::to_string(d));
    if (d > 0 && count > kMaxElements / static_cast<size_t>(d))
      return invalid_argument(what + ": more than 2^31 elements");
    count *= static_cast<size_t>(d);
  }
  return count;
}

Result<ConstValue> decode_tensor(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return unsupported(what + ": the data is in an external file; Caldera reads self-contained .onnx files only");
  ConstValue v;
  v.dims.assign(t.dims().begin(), t.dims().end());
  CALDERA_ASSIGN_OR_RETURN(size_t count, element_count(v.dims, what));
  const int type = t.data_type();
  const size_t esize = element_size(type);
  if (esize == 0)
    return unsupported(what + ": tensor element type " + std::to_string(type) + " (" +
                       onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(type)) +
                       ") is not supported");
  v.is_float = is_float_type(type);
  const auto mismatch = [&](size_t have) {
    return invalid_argument(what + ": holds " + std::to_string(have) + " values, its dims " + v.dims_text() + " need " +
                            std::to_string(count) + " (truncated or corrupt tensor)");
  };
  if (!t.raw_data().empty() || (count == 0 && t.has_raw_data())) {
    const std::string& raw = t.raw_data();
    if (raw.size() != count * esize) {
      return invalid_argument(what + ": raw data is " + std::to_string(raw.size()) + " bytes, its dims " + v.dims_text() +
                              " need " + std::to_string(count * esize) + " (truncated or corrupt tensor)");
    }
    switch (type) {
      case onnx::TensorProto::FLOAT:
        v.f32.resize(count);
        if (count) std::memcpy(v.f32.data(), raw.data(), count * 4);
        break;
      case onnx::TensorProto::DOUBLE: v.num = raw_as<double>(raw, count); break;
      case onnx::TensorProto::INT64: v.num = raw_as<int64_t>(raw, count); break;
      case onnx::TensorProto::INT32: v.num = raw_as<int32_t>(raw, count); break;
      case onnx::TensorProto::INT16: v.num = raw_as<int16_t>(raw, count); break;
      case onnx::TensorProto::UINT16: v.num = raw_as<uint16_t>(raw, count); break;
      case onnx::TensorProto::INT8: v.num = raw_as<int8_t>(raw, count); break;
      case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: v.num = raw_as<uint8_t>(raw, count); break;
      case onnx::TensorProto::FLOAT16: {
        v.num.resize(count);
        for (size_t i = 0; i < count; ++i) {
          uint16_t h;
          std::memcpy(&h, raw.data() + 2 * i, 2);
          v.num[i] = half_to_float(h);
        }
        break;
      }
    }
    return v;
  }
  switch (type) {
    case onnx::TensorProto::FLOAT:
      if (static_cast<size_t>(t.float_data_size()) != count) return mismatch(static_cast<size_t>(t.float_data_size()));
      v.f32.assign(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE:
      if (static_cast<size_t>(t.double_data_size()) != count) return mismatch(static_cast<size_t>(t.double_data_size()));
      v.num.assign(t.double_data().begin(), t.double_data().end());
      break;
    case onnx::TensorProto::INT64:
      if (static_cast<size_t>(t.int64_data_size()) != count) return mismatch(static_cast<size_t>(t.int64_data_size()));
      for (int64_t x : t.int64_data()) v.num.push_back(static_cast<double>(x));
      break;
    default:  // int32_data carries every narrower type, float16 as its bits
      if (static_cast<size_t>(t.int32_data_size()) != count) return mismatch(static_cast<size_t>(t.int32_data_size()));
      for (int32_t x : t.int32_data())
        v.num.push_back(type == onnx::TensorProto::FLOAT16 ? half_to_float(static_cast<uint16_t>(x)) : static_cast<double>(x));
  }
  return v;
}

Result<ConstValue> fold_gather(const ConstValue& data, const ConstValue& indices, int64_t axis, const std::string& what) {
  if (data.dims.empty()) return invalid_argument(what + ": Gather on a scalar");
  CALDERA_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(axis, data.dims.size(), what));
  const ConstValue src = editable(data);
  const int64_t outer = product(data.dims, 0, static_cast<size_t>(ax));
  const int64_t inner = product(data.dims, static_cast<size_t>(ax) + 1, data.dims.size());
  const int64_t extent = data.dims[static_cast<size_t>(ax)];
  ConstValue out;
  out.is_float = data.is_float;
  out.dims.assign(data.dims.begin(), data.dims.begin() + ax);
  out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
  out.dims.insert(out.dims.end(), data.dims.begin() + ax + 1, data.dims.end());
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < indices.count(); ++k) {
      if (indices.is_symbolic(k)) return unsupported(what + ": Gather indices that depend on the input size");
      int64_t i = static_cast<int64_t>(indices.at(k));
      if (i < 0) i += extent;
      if (i < 0 || i >= extent)
        return invalid_argument(what + ": index " + std::to_string(static_cast<int64_t>(indices.at(k))) +
                                " is outside an axis of " + std::to_string(extent));
      for (int64_t j = 0; j < inner; ++j) {
        const size_t from = static_cast<size_t>((o * extent + i) * inner + j);
        out.num.push_back(src.num[from]);
        out.sym.push_back(src.sym[from]);
      }
    }
  return tidy(std::move(out));
}

Result<ConstValue> fold_concat(const std::vector<const ConstValue*>& parts, int64_t axis, const std::string& what) {
  if (parts.empty()) return invalid_argument(what + ": Concat of nothing");
  const size_t rank = parts[0]->dims.size();
  if (rank == 0) return invalid_argument(what + ": Concat of scalars");
  CALDERA_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(axis, rank, what));
  ConstValue out;
  out.dims = parts[0]->dims;
  out.dims[static_cast<size_t>(ax)] = 0;
  out.is_float = parts[0]->is_float;
  for (const ConstValue* p : parts) {
    bool fits = p->dims.size() == rank;
    for (size_t d = 0; fits && d < rank; ++d) fits = d == static_cast<size_t>(ax) || p->dims[d] == parts[0]->dims[d];
    if (!fits) return invalid_argument(what + ": Concat of " + parts[0]->dims_text() + " and " + p->dims_text());
    out.dims[static_cast<size_t>(ax)] += p->dims[static_cast<size_t>(ax)];
  }
  const int64_t outer = product(out.dims, 0, static_cast<size_t>(ax));
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstValue* p : parts) {
      const ConstValue e = editable(*p);
      const int64_t block = product(p->dims, static_cast<size_t>(ax), rank);
      for (int64_t j = 0; j < block; ++j) {
        out.num.push_back(e.num[static_cast<size_t>(o * block + j)]);
        out.sym.push_back(e.sym[static_cast<size_t>(o * block + j)]);
      }
    }
  return tidy(std::move(out));
}

Result<ConstValue> fold_unsqueeze(const ConstValue& x, std::vector<int64_t> axes, const std::string& what) {
  const size_t rank = x.dims.size() + axes.size();
  for (int64_t& a : axes) {
    CALDERA_ASSIGN_OR_RETURN(a, normalize_axis(a, rank, what));
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) return invalid_argument(what + ": repeated axis");
  ConstValue out = x;
  out.dims.clear();
  size_t next = 0;
  for (size_t d = 0; d < rank; ++d) {
    if (std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(d))) out.dims.push_back(1);
    else out.dims.push_back(x.dims[next++]);
  }
  return out;
}

Result<ConstValue> fold_squeeze(const ConstValue& x, const std::vector<int64_t>& axes, const std::string& what) {
  std::vector<bool> drop(x.dims.size(), false);
  if (axes.empty()) {
    for (size_t d = 0; d < x.dims.size(); ++d) drop[d] = x.dims[d] == 1;
  }
  for (int64_t a : axes) {
    CALDERA_ASSIGN_OR_RETURN(int64_t ax, normalize_axis(a, x.dims.size(), what));
    if (x.dims[static_cast<size_t>(ax)] != 1) return invalid_argument(what + ": squeezes an axis that is not 1");
    drop[static_cast<size_t>(ax)] = true;
  }
  ConstValue out = x;
  out.dims.clear();
  for (size_t d = 0; d < x.dims.size(); ++d)
    if (!drop[d]) out.dims.push_back(x.dims[d]);
  return out;
}

Result<ConstValue> fold_cast(const ConstValue& x, int to, const std::string& what) {
  if (element_size(to) == 0) return unsupported(what + ": Cast to element type " + std::to_string(to));
  ConstValue out = editable(x);
  out.is_float = is_float_type(to);
  for (size_t i = 0; i < out.num.size(); ++i) {
    if (out.sym[i].tensor >= 0) continue;  // a size stays a size; users of it floor
    if (to == onnx::TensorProto::FLOAT) out.num[i] = static_cast<float>(out.num[i]);
    else if (to == onnx::TensorProto::BOOL) out.num[i] = out.num[i] != 0.0;
    else if (!out.is_float) out.num[i] = std::trunc(out.num[i]);
  }
  return tidy(std::move(out));
}

Result<ConstValue> fold_arith(const std::string& op, const ConstValue& a, const ConstValue& b, const std::string& what) {
  const size_t rank = std::max(a.dims.size(), b.dims.size());
  std::vector<int64_t> ad(rank, 1), bd(rank, 1), od(rank, 1);
  std::copy(a.dims.begin(), a.dims.end(), ad.begin() + static_cast<long>(rank - a.dims.size()));
  std::copy(b.dims.begin(), b.dims.end(), bd.begin() + static_cast<long>(rank - b.dims.size()));
  for (size_t d = 0; d < rank; ++d) {
    if (ad[d] != bd[d] && ad[d] != 1 && bd[d] != 1)
      return invalid_argument(what + ": " + a.dims_text() + " and " + b.dims_text() + " do not broadcast");
    od[d] = ad[d] == 1 ? bd[d] : ad[d];
  }
  const ConstValue ea = editable(a), eb = editable(b);
  const auto as = strides_of(ad), bs = strides_of(bd), os = strides_of(od);
  ConstValue out;
  out.dims = od;
  out.is_float = a.is_float || b.is_float;
  CALDERA_ASSIGN_OR_RETURN(size_t count, element_count(od, what));
  out.num.resize(count);
  out.sym.resize(count);
  for (size_t i = 0; i < count; ++i) {
    size_t ia = 0, ib = 0, rest = i;
    for (size_t d = 0; d < rank; ++d) {
      const size_t coord = rest / static_cast<size_t>(os[d]);
      rest %= static_cast<size_t>(os[d]);
      if (ad[d] != 1) ia += coord * static_cast<size_t>(as[d]);
      if (bd[d] != 1) ib += coord * static_cast<size_t>(bs[d]);
    }
    const double x = ea.num[ia], y = eb.num[ib];
    const SymDim sx = ea.sym[ia], sy = eb.sym[ib];
    if (sx.tensor >= 0 || sy.tensor >= 0) {
      // size * k, k * size and size / k fold; anything else needs the size itself.
      if (op == "Mul" && (sx.tensor < 0 || sy.tensor < 0)) {
        SymDim s = sx.tensor >= 0 ? sx : sy;
        s.factor *= sx.tensor >= 0 ? y : x;
        out.sym[i] = s;
      } else if (op == "Div" && sy.tensor < 0 && y != 0.0) {
        SymDim s = sx;
        s.factor /= y;
        out.sym[i] = s;
      } else {
        return unsupported(what + ": " + op + " of a value that depends on the input size cannot be folded");
      }
      continue;
    }
    double r = 0;
    if (op == "Add") r = x + y;
    else if (op == "Sub") r = x - y;
    else if (op == "Mul") r = x * y;
    else if (op == "Div") {
      if (!out.is_float && y == 0.0) return invalid_argument(what + ": integer division by zero");
      r = out.is_float ? x / y : std::trunc(x / y);
    } else return internal_error(what + ": fold_arith does not know " + op);
    out.num[i] = r;
  }
  return tidy(std::move(out));
}

Result<ConstValue> fold_unary(const std::string& op, const ConstValue& x, const std::string& what) {
  ConstValue out = editable(x);
  for (size_t i = 0; i < out.num.size(); ++i) {
    SymDim& s = out.sym[i];
    if (s.tensor >= 0) {
      if (op == "Floor") continue;  // sizes are floored where they are used
      if (op == "Ceil" && s.factor == std::floor(s.factor)) continue;
      if (op == "Neg") { s.factor = -s.factor; continue; }
      return unsupported(what + ": " + op + " of a value that depends on the input size cannot be folded");
    }
    double& v = out.num[i];
    if (op == "Floor") v = std::floor(v);
    else if (op == "Ceil") v = std::ceil(v);
    else if (op == "Neg") v = -v;
    else if (op == "Abs") v = std::fabs(v);
    else if (op == "Sqrt") v = std::sqrt(v);
    else return internal_error(what + ": fold_unary does not know " + op);
  }
  return tidy(std::move(out));
}

Result<ConstValue> fold_slice1d(const ConstValue& x, int64_t start, int64_t end, int64_t step, const std::string& what) {
  if (x.dims.size() != 1) return unsupported(what + ": Slice of a folded value is supported on 1-D values only");
  if (step == 0) return invalid_argument(what + ": Slice step 0");
  const int64_t n = x.dims[0];
  const auto clampi = [](int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); };
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (step > 0) {
    start = clampi(start, 0, n);
    end = clampi(end, 0, n);
  } else {
    start = clampi(start, 0, n - 1);
    end = clampi(end, -1, n - 1);
  }
  const ConstValue e = editable(x);
  ConstValue out;
  out.is_float = x.is_float;
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step) {
    out.num.push_back(e.num[static_cast<size_t>(i)]);
    out.sym.push_back(e.sym[static_cast<size_t>(i)]);
  }
  out.dims = {static_cast<int64_t>(out.num.size())};
  return tidy(std::move(out));
}

}  // namespace caldera::nn::onnx_import
