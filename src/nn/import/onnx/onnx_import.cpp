#include "nn/import/onnx/onnx_import.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "nn/import/onnx/onnx_importer.hpp"

namespace caldera::nn::onnx_import {

int64_t to_int64(double v) {
  // 2^63 does not fit; ONNX writes INT64_MAX / INT64_MIN for "to the end".
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return -INT64_MAX;
  return static_cast<int64_t>(v);
}

std::string ints_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

bool normalize_axis(int64_t& axis, int rank) {
  if (axis < -rank || axis >= rank) return false;
  if (axis < 0) axis += rank;
  return true;
}

std::string Importer::label(const onnx::NodeProto& n) const {
  std::string name = n.name();
  if (name.empty()) {
    name = "#";
    name += std::to_string(node_index_);
  }
  return file_ + ": node '" + name + "' (" + n.op_type() + ")";
}

const onnx::AttributeProto* Importer::attr(const onnx::NodeProto& n, const std::string& name) const {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Importer::attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) const {
  const auto* a = attr(n, name);
  return a ? a->i() : fallback;
}

float Importer::attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) const {
  const auto* a = attr(n, name);
  return a ? a->f() : fallback;
}

std::string Importer::attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) const {
  const auto* a = attr(n, name);
  return a ? a->s() : fallback;
}

std::vector<int64_t> Importer::attr_ints(const onnx::NodeProto& n, const std::string& name) const {
  const auto* a = attr(n, name);
  if (!a) return {};
  return {a->ints().begin(), a->ints().end()};
}

bool Importer::has_input(const onnx::NodeProto& n, int k) const { return k < n.input_size() && !n.input(k).empty(); }

Result<const Importer::Value*> Importer::input(const onnx::NodeProto& n, int k) const {
  if (!has_input(n, k))
    return invalid_argument(label(n) + ": input " + std::to_string(k) + " is missing");
  auto it = values_.find(n.input(k));
  if (it == values_.end())
    return invalid_argument(label(n) + ": reads '" + n.input(k) +
                            "', which no earlier node, graph input or initializer makes (missing initializer, or nodes "
                            "out of order)");
  return &it->second;
}

Result<Importer::Value> Importer::runtime_value(const onnx::NodeProto& n, int k) {
  CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, k));
  if (v->kind == Value::Runtime) return *v;
  const int rank = static_cast<int>(consts_[static_cast<size_t>(v->index)].dims.size());
  CALDERA_ASSIGN_OR_RETURN(int t, materialize(n, v->index, std::max(rank, 1)));
  return Value{Value::Runtime, t, -1, std::max(rank, 1)};
}

Result<int> Importer::runtime_input(const onnx::NodeProto& n, int k) {
  CALDERA_ASSIGN_OR_RETURN(Value v, runtime_value(n, k));
  return v.tensor;
}

Result<const ConstValue*> Importer::const_input(const onnx::NodeProto& n, int k) const {
  CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, k));
  if (v->kind != Value::Const)
    return unsupported(label(n) + ": input '" + n.input(k) + "' must be a constant (an initializer or a folded subgraph); "
                       "it depends on the model input");
  return &consts_[static_cast<size_t>(v->index)];
}

Result<int> Importer::materialize(const onnx::NodeProto& n, int const_index, int rank) {
  const auto key = std::make_pair(const_index, rank);
  if (auto it = materialized_.find(key); it != materialized_.end()) return it->second;
  const ConstValue& c = consts_[static_cast<size_t>(const_index)];
  if (c.any_symbolic())
    return unsupported(label(n) + ": a value computed from the input's size used as a tensor; Caldera folds sizes only "
                       "into Resize and Reshape");
  if (static_cast<int>(c.dims.size()) > rank || rank > ir::kMaxRank)
    return unsupported(label(n) + ": a constant of shape " + c.dims_text() + " as a rank-" + std::to_string(rank) + " tensor");
  std::vector<int64_t> dims(static_cast<size_t>(rank - static_cast<int>(c.dims.size())), 1);
  dims.insert(dims.end(), c.dims.begin(), c.dims.end());
  while (dims.size() < 4) dims.push_back(1);
  ir::Shape shape = ir::Shape::of(dims);
  const std::string name = "const:" + std::to_string(const_index) + (rank == static_cast<int>(c.dims.size()) ? "" : "@" + std::to_string(rank));
  const int t = g_.add_tensor(name, shape);
  ir::Node node;
  node.op = ir::OpType::Constant;
  node.name = name;
  node.outputs = {t};
  node.attrs = ir::ConstantAttrs{shape};
  node.weights = {{"value", dims, c.floats()}};
  g_.add_node(std::move(node));
  materialized_[key] = t;
  return t;
}

Result<std::vector<int64_t>> Importer::ints_input_or_attr(const onnx::NodeProto& n, int k, const std::string& name,
                                                          bool* present) {
  if (present) *present = false;
  if (has_input(n, k)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
    if (c->any_symbolic())
      return unsupported(label(n) + ": input " + std::to_string(k) + " depends on the input's size");
    std::vector<int64_t> out;
    for (size_t i = 0; i < c->count(); ++i) out.push_back(to_int64(c->at(i)));
    if (present) *present = true;
    return out;
  }
  if (attr(n, name)) {
    if (present) *present = true;
    return attr_ints(n, name);
  }
  return std::vector<int64_t>{};
}

Status Importer::define(const onnx::NodeProto& n, const std::string& name, Value v) {
  if (name.empty()) return Status::ok();
  if (!values_.emplace(name, v).second)
    return invalid_argument(label(n) + ": makes '" + name + "', which is already defined");
  return Status::ok();
}

Status Importer::define_const(const onnx::NodeProto& n, ConstValue c) {
  consts_.push_back(std::move(c));
  ++folded_;
  return define(n, n.output(0), Value{Value::Const, -1, static_cast<int>(consts_.size()) - 1});
}

Status Importer::emit(const onnx::NodeProto& n, ir::OpType op, ir::Attrs attrs, std::vector<ir::Weight> weights,
                      std::vector<int> inputs, int rank, int out_index) {
  if (n.output_size() <= out_index || n.output(out_index).empty()) return invalid_argument(label(n) + ": has no output");
  const std::string& out_name = n.output(out_index);
  const int t = g_.add_tensor(out_name);
  ir::Node node;
  node.op = op;
  node.name = n.name().empty() ? out_name : (out_index ? n.name() + ":" + std::to_string(out_index) : n.name());
  node.inputs = std::move(inputs);
  node.outputs = {t};
  node.attrs = std::move(attrs);
  node.weights = std::move(weights);
  g_.add_node(std::move(node));
  return define(n, out_name, Value{Value::Runtime, t, -1, rank});
}

Result<ir::Shape> Importer::shape_now(int tensor) {
  // The graph so far, with this tensor as its output for the moment (a graph needs one).
  std::vector<ir::Shape> inputs;
  for (int t : g_.inputs) inputs.push_back(g_.tensors[static_cast<size_t>(t)].shape);
  g_.outputs = {tensor};
  auto shapes = ir::compute_shapes(g_, inputs);
  g_.outputs.clear();
  if (!shapes) return shapes.status().with_context(file_);
  return (*shapes)[static_cast<size_t>(tensor)];
}

Result<ir::Graph> Importer::run(const onnx::ModelProto& m) {
  if (!m.has_graph()) return invalid_argument(file_ + ": not an ONNX model (no graph; is it another kind of file?)");
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  if (opset_ == 0) return invalid_argument(file_ + ": declares no opset for the default ONNX domain");
  if (opset_ < 11)
    return unsupported(file_ + ": opset " + std::to_string(opset_) + "; Caldera imports opset 11 and later (re-export "
                       "the model with a newer opset)");
  const onnx::GraphProto& graph = m.graph();
  for (const auto& init : graph.initializer()) {
    if (init.name().empty()) return invalid_argument(file_ + ": an initializer has no name");
    auto c = decode_tensor(init, file_ + ": initializer '" + init.name() + "'");
    if (!c) return c.status();
    consts_.push_back(std::move(*c));
    if (!values_.emplace(init.name(), Value{Value::Const, -1, static_cast<int>(consts_.size()) - 1}).second)
      return invalid_argument(file_ + ": initializer '" + init.name() + "' is defined twice");
    ++initializers_;
  }
  for (const auto& vi : graph.input()) {
    if (values_.count(vi.name())) continue;  // older exporters list initializers as inputs too
    CALDERA_RETURN_IF_ERROR(add_graph_input(vi));
  }
  if (g_.inputs.empty()) return invalid_argument(file_ + ": the graph has no input that is not an initializer");
  for (int i = 0; i < graph.node_size(); ++i) {
    node_index_ = i;
    const onnx::NodeProto& n = graph.node(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return unsupported(label(n) + ": operator '" + n.domain() + "::" + n.op_type() + "' is not supported");
    if (n.output_size() < 1) return invalid_argument(label(n) + ": has no output");
    CALDERA_RETURN_IF_ERROR(import_node(n));
  }
  for (const auto& vo : graph.output()) {
    auto it = values_.find(vo.name());
    if (it == values_.end()) return invalid_argument(file_ + ": graph output '" + vo.name() + "' is never made");
    if (it->second.kind != Value::Runtime)
      return unsupported(file_ + ": graph output '" + vo.name() + "' is a constant; outputs must be computed from the input");
    g_.outputs.push_back(it->second.tensor);
  }
  if (g_.outputs.empty()) return invalid_argument(file_ + ": the graph has no outputs");
  Status s = ir::infer_shapes(g_);
  if (!s) return s.with_context(file_);
  return std::move(g_);
}

Status Importer::add_graph_input(const onnx::ValueInfoProto& vi) {
  const std::string what = file_ + ": graph input '" + vi.name() + "'";
  if (!vi.type().has_tensor_type()) return unsupported(what + " is not a tensor");
  const auto& tt = vi.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT)
    return unsupported(what + " has element type " + std::to_string(tt.elem_type()) + "; Caldera models take float32");
  ir::Shape shape{1, ir::kDynamic, ir::kDynamic, ir::kDynamic};
  if (tt.has_shape()) {
    if (tt.shape().dim_size() != 4)
      return unsupported(what + " has rank " + std::to_string(tt.shape().dim_size()) + "; image models take NCHW (rank 4)");
    int64_t* dims[4] = {&shape.n, &shape.c, &shape.h, &shape.w};
    for (int d = 0; d < 4; ++d) {
      const auto& dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) *dims[d] = d == 0 ? 1 : dim.dim_value();
    }
  }
  const int t = g_.add_tensor(vi.name(), shape);
  ir::Node node;
  node.op = ir::OpType::Input;
  node.name = vi.name();
  node.outputs = {t};
  g_.add_node(std::move(node));
  g_.inputs.push_back(t);
  values_.emplace(vi.name(), Value{Value::Runtime, t, -1, 4});
  return Status::ok();
}

Status Importer::import_node(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  // Constant subgraphs of shape arithmetic: evaluated now when every input is known (a Reshape
  // or Resize needs the result at import). Other operators on constants become IR nodes on
  // Constant nodes, which the constant_folding pass evaluates at load.
  if (op == "Constant") return import_constant(n);
  if (op == "Shape") return import_shape(n);
  if (op == "Identity" || op == "Dropout") {
    CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, 0));
    return define(n, n.output(0), *v);
  }
  static const char* const folded_ops[] = {"Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Add", "Sub", "Mul",
                                            "Div", "Floor", "Ceil", "Neg", "Abs", "Sqrt", "Slice", "Reshape"};
  bool all_const = n.input_size() > 0;
  for (int k = 0; k < n.input_size(); ++k) {
    if (!has_input(n, k)) continue;
    CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, k));
    all_const = all_const && v->kind == Value::Const;
  }
  if (all_const && std::find(std::begin(folded_ops), std::end(folded_ops), op) != std::end(folded_ops)) return fold_node(n);

  if (op == "Conv") return import_conv(n);
  if (op == "ConvTranspose") return import_conv_transpose(n);
  if (op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "Clip" || op == "Tanh" || op == "HardSigmoid" ||
      op == "HardSwish")
    return import_activation(n);
  if (op == "PRelu") return import_prelu(n);
  if (op == "BatchNormalization") return import_batchnorm(n);
  if (op == "InstanceNormalization") return import_instance_norm(n);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return import_binary(n);
  if (op == "Gemm" || op == "MatMul") return import_gemm(n);
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool" || op == "GlobalMaxPool") return import_pool(n);
  if (op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceSum") return import_reduce(n);
  if (op == "Concat") return import_concat(n);
  if (op == "Resize" || op == "Upsample") return import_resize(n);
  if (op == "DepthToSpace" || op == "SpaceToDepth") return import_depth_space(n);
  if (op == "Reshape") return import_reshape(n);
  if (op == "Flatten") return import_flatten(n);
  if (op == "Squeeze" || op == "Unsqueeze") return import_squeeze(n);
  if (op == "Transpose") return import_transpose(n);
  if (op == "Slice") return import_slice(n);
  if (op == "Split") return import_split(n);
  if (op == "Pad") return import_pad(n);
  return unsupported(label(n) + ": operator '" + op + "' is not supported");
}

Status Importer::import_constant(const onnx::NodeProto& n) {
  ConstValue c;
  if (const auto* a = attr(n, "value")) {
    CALDERA_ASSIGN_OR_RETURN(c, decode_tensor(a->t(), label(n) + " value"));
  } else if (const auto* f = attr(n, "value_float")) {
    c.num = {f->f()};
  } else if (const auto* fs = attr(n, "value_floats")) {
    c.num.assign(fs->floats().begin(), fs->floats().end());
    c.dims = {static_cast<int64_t>(c.num.size())};
  } else if (const auto* i = attr(n, "value_int")) {
    c.is_float = false;
    c.num = {static_cast<double>(i->i())};
  } else if (const auto* is = attr(n, "value_ints")) {
    c.is_float = false;
    for (int64_t v : is->ints()) c.num.push_back(static_cast<double>(v));
    c.dims = {static_cast<int64_t>(c.num.size())};
  } else {
    return unsupported(label(n) + ": a Constant without value, value_float(s) or value_int(s)");
  }
  return define_const(n, std::move(c));
}

Status Importer::import_shape(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, 0));
  ConstValue c;
  c.is_float = false;
  if (v->kind == Value::Const) {
    for (int64_t d : consts_[static_cast<size_t>(v->index)].dims) c.num.push_back(static_cast<double>(d));
  } else {
    // Every dimension stays symbolic: the shape is whatever the input is at run time. (The
    // first `rank` IR dims are the ONNX dims.)
    for (int axis = 0; axis < v->rank; ++axis) {
      c.num.push_back(0);
      c.sym.push_back(SymDim{v->tensor, axis, 1.0});
    }
  }
  c.dims = {static_cast<int64_t>(c.num.size())};
  const int64_t rank = c.dims[0];
  int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", rank);
  if (start != 0 || end != rank) {
    CALDERA_ASSIGN_OR_RETURN(c, fold_slice1d(c, start, end, 1, label(n)));
  }
  return define_const(n, std::move(c));
}

Status Importer::fold_node(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const std::string what = label(n);
  auto arg = [&](int k) { return const_input(n, k); };
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* x, arg(0));
  // Opset 13 moved Unsqueeze/Squeeze axes (and Slice's since 10) from attributes to inputs.
  auto axes_of = [&](int k) -> Result<std::vector<int64_t>> {
    if (!has_input(n, k)) return attr_ints(n, "axes");
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* a, arg(k));
    std::vector<int64_t> out;
    for (size_t i = 0; i < a->count(); ++i) out.push_back(static_cast<int64_t>(a->at(i)));
    return out;
  };
  ConstValue out;
  if (op == "Gather") {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* idx, arg(1));
    CALDERA_ASSIGN_OR_RETURN(out, fold_gather(*x, *idx, attr_int(n, "axis", 0), what));
  } else if (op == "Unsqueeze") {
    CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, axes_of(1));
    CALDERA_ASSIGN_OR_RETURN(out, fold_unsqueeze(*x, axes, what));
  } else if (op == "Squeeze") {
    CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, axes_of(1));
    CALDERA_ASSIGN_OR_RETURN(out, fold_squeeze(*x, axes, what));
  } else if (op == "Concat") {
    std::vector<const ConstValue*> parts;
    for (int k = 0; k < n.input_size(); ++k) {
      CALDERA_ASSIGN_OR_RETURN(const ConstValue* p, arg(k));
      parts.push_back(p);
    }
    CALDERA_ASSIGN_OR_RETURN(out, fold_concat(parts, attr_int(n, "axis", 0), what));
  } else if (op == "Cast") {
    CALDERA_ASSIGN_OR_RETURN(out, fold_cast(*x, static_cast<int>(attr_int(n, "to", 0)), what));
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* y, arg(1));
    CALDERA_ASSIGN_OR_RETURN(out, fold_arith(op, *x, *y, what));
  } else if (op == "Floor" || op == "Ceil" || op == "Neg" || op == "Abs" || op == "Sqrt") {
    CALDERA_ASSIGN_OR_RETURN(out, fold_unary(op, *x, what));
  } else if (op == "Slice") {
    CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> starts, has_input(n, 1) ? axes_of(1) : attr_ints(n, "starts"));
    CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> ends, has_input(n, 2) ? axes_of(2) : attr_ints(n, "ends"));
    std::vector<int64_t> steps{1};
    if (has_input(n, 4)) {
      CALDERA_ASSIGN_OR_RETURN(steps, axes_of(4));
    }
    if (starts.size() != 1 || ends.size() != 1 || steps.size() != 1)
      return unsupported(what + ": folding a Slice over more than one axis");
    CALDERA_ASSIGN_OR_RETURN(out, fold_slice1d(*x, starts[0], ends[0], steps[0], what));
  } else if (op == "Reshape") {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* shape, arg(1));
    CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> dims, reshape_dims(n, x->dims, *shape));
    out = *x;
    out.dims = std::move(dims);
  } else {
    return unsupported(what + ": operator '" + op + "' on constants is not supported (it cannot be folded at import)");
  }
  return define_const(n, std::move(out));
}

Result<std::vector<int64_t>> Importer::reshape_dims(const onnx::NodeProto& n, const std::vector<int64_t>& in,
                                                    const ConstValue& shape) const {
  if (shape.any_symbolic()) return unsupported(label(n) + ": reshaping a constant to a size that depends on the input");
  CALDERA_ASSIGN_OR_RETURN(size_t count, element_count(in, label(n)));
  std::vector<int64_t> dims;
  int infer = -1;
  size_t known = 1;
  for (size_t i = 0; i < shape.count(); ++i) {
    int64_t d = static_cast<int64_t>(shape.at(i));
    if (d == 0 && i < in.size()) d = in[i];
    if (d == -1) {
      if (infer >= 0) return invalid_argument(label(n) + ": two -1 dimensions");
      infer = static_cast<int>(i);
      d = 1;
    } else if (d < 0) {
      return invalid_argument(label(n) + ": dimension " + std::to_string(d));
    } else {
      known *= static_cast<size_t>(d);
    }
    dims.push_back(d);
  }
  if (infer >= 0 && known > 0) dims[static_cast<size_t>(infer)] = static_cast<int64_t>(count / known);
  CALDERA_ASSIGN_OR_RETURN(size_t got, element_count(dims, label(n)));
  if (got != count) return invalid_argument(label(n) + ": cannot reshape " + std::to_string(count) + " values to " + shape.dims_text());
  return dims;
}

Result<ImportResult> import_onnx(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return unsupported(name + ": larger than 2 GiB; Caldera reads self-contained .onnx files only");
  onnx::ModelProto m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return invalid_argument(name + ": not an ONNX model (the protobuf does not parse: truncated, or another format)");
  if (m.ir_version() <= 0) return invalid_argument(name + ": not an ONNX model (no IR version)");
  Importer importer(name);
  auto graph = importer.run(m);
  if (!graph) return graph.status();
  ImportResult r;
  r.graph = std::move(*graph);
  r.graph.name = std::filesystem::path(name).stem().string();
  r.opset = importer.opset();
  r.initializers = importer.initializers();
  r.folded_nodes = importer.folded();
  return r;
}

Result<ImportResult> import_onnx_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return io_error(path + ": read failed");
  if (bytes.empty()) return invalid_argument(path + ": empty file");
  return import_onnx(bytes, path);
}

}  // namespace caldera::nn::onnx_import
