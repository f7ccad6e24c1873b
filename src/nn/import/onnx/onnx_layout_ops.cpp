// The ONNX operators that move data: Concat, Resize / Upsample, DepthToSpace / SpaceToDepth,
// Reshape, Flatten, Squeeze / Unsqueeze, Transpose, Slice, Split, Pad. (The walk is in
// onnx_import.cpp, the computing operators in onnx_ops.cpp.)
#include <cmath>

#include "nn/import/onnx/onnx_importer.hpp"
#include "core/number_text.hpp"

namespace caldera::nn::onnx_import {
namespace {

bool is_whole(double v) { return v >= 1.0 && v <= 1e6 && v == std::floor(v); }

ir::ReshapeDim fixed(int64_t v) {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::Fixed;
  d.value = v;
  return d;
}
ir::ReshapeDim from_input(int source, int axis, double factor = 1.0) {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::FromInput;
  d.source = source;
  d.axis = axis;
  d.factor = factor;
  return d;
}
ir::ReshapeDim inferred() {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::Infer;
  return d;
}

}  // namespace

Status Importer::emit_reshape(const onnx::NodeProto& n, const Value& x, std::vector<ir::ReshapeDim> dims,
                              std::vector<int> shape_inputs) {
  const int rank = static_cast<int>(dims.size());
  if (rank < 1 || rank > ir::kMaxRank)
    return unsupported(label(n) + ": a rank-" + std::to_string(rank) + " result (Caldera's tensors have rank 1 to 6)");
  // Ranks up to 4 are IR rank 4 with trailing 1s.
  if (rank < 4) dims.resize(4, fixed(1));
  bool identity = x.rank <= 4 && dims.size() == 4;
  for (size_t i = 0; identity && i < 4; ++i) {
    const ir::ReshapeDim& d = dims[i];
    const bool same = d.kind == ir::ReshapeDim::FromInput && d.source == 0 && d.axis == static_cast<int>(i) && d.factor == 1.0;
    // A trailing 1 of the input stays where it was.
    const bool padding = d.kind == ir::ReshapeDim::Fixed && d.value == 1 && static_cast<int>(i) >= x.rank;
    identity = same || padding;
  }
  if (identity) return define(n, n.output(0), Value{Value::Runtime, x.tensor, -1, rank});
  std::vector<int> inputs{x.tensor};
  inputs.insert(inputs.end(), shape_inputs.begin(), shape_inputs.end());
  return emit(n, ir::OpType::Reshape, ir::ReshapeAttrs{std::move(dims)}, {}, std::move(inputs), rank);
}

Status Importer::import_concat(const onnx::NodeProto& n) {
  std::vector<int> ins;
  int rank = -1;
  for (int k = 0; k < n.input_size(); ++k) {
    CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, k));
    if (v->kind == Value::Runtime) rank = rank < 0 ? v->rank : rank;
  }
  for (int k = 0; k < n.input_size(); ++k) {
    CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, k));
    int t = v->tensor;
    if (v->kind == Value::Const) {
      CALDERA_ASSIGN_OR_RETURN(t, materialize(n, v->index, rank));
    } else if (v->rank != rank) {
      return unsupported(label(n) + ": inputs of rank " + std::to_string(rank) + " and " + std::to_string(v->rank));
    }
    ins.push_back(t);
  }
  int64_t axis = attr_int(n, "axis", 1);
  if (!normalize_axis(axis, rank) || axis != 1)
    return unsupported(label(n) + ": concatenation along axis " + std::to_string(attr_int(n, "axis", 1)) +
                       "; Caldera concatenates channels (axis 1)");
  if (rank > 4) return unsupported(label(n) + ": concatenation of rank-" + std::to_string(rank) + " tensors");
  return emit(n, ir::OpType::Concat, std::monostate{}, {}, std::move(ins), rank);
}

Result<ir::ResizeAttrs> Importer::resize_by_sizes(const onnx::NodeProto& n, int x, const ConstValue& sizes, bool nearest) {
  const std::string where = label(n);
  if (sizes.count() != 4) return unsupported(where + ": sizes of shape " + sizes.dims_text() + "; Caldera resizes NCHW tensors");
  CALDERA_ASSIGN_OR_RETURN(ir::Shape in, shape_now(x));
  const int64_t known[2] = {in.n, in.c};
  for (size_t d = 0; d < 2; ++d) {
    if (sizes.is_symbolic(d)) {
      const SymDim& s = sizes.sym[d];
      if (s.axis == static_cast<int>(d) && s.factor == 1.0) continue;
    } else if (d == 0 || known[d] == ir::kDynamic || static_cast<int64_t>(sizes.at(d)) == known[d]) {
      continue;  // the batch is whatever runs
    }
    return unsupported(where + ": resizes the " + std::string(d == 0 ? "batch" : "channel") + " dimension");
  }
  ir::ResizeAttrs a;
  if (!sizes.is_symbolic(2) && !sizes.is_symbolic(3)) {
    const double h = sizes.at(2), w = sizes.at(3);
    if (!is_whole(h) || !is_whole(w)) return invalid_argument(where + ": output size " + number_text(h) + "x" + number_text(w));
    a.out_h = static_cast<int>(h);
    a.out_w = static_cast<int>(w);
    return a;
  }
  if (!sizes.is_symbolic(2) || !sizes.is_symbolic(3))
    return unsupported(where + ": one output size fixed and the other computed from the input");
  for (int d = 2; d < 4; ++d) {
    const SymDim& s = sizes.sym[static_cast<size_t>(d)];
    if (s.tensor != x || s.axis != d)
      return unsupported(where + ": the output size is computed from the shape of '" + g_.tensors[static_cast<size_t>(s.tensor)].name +
                         "', not from the resized tensor '" + g_.tensors[static_cast<size_t>(x)].name + "'");
    // floor(in * factor) is the IR's size by scale; linear and cubic then sample by the ratio of
    // the sizes, as ONNX does for a resize to sizes. Nearest's IR formula reads 1/scale, which
    // matches only at whole factors.
    if (!(s.factor > 0.0 && s.factor <= 1e4) || (nearest && !is_whole(s.factor)))
      return unsupported(where + ": output size = input size x " + number_text(s.factor) +
                         (nearest ? "; nearest folds only whole factors into a Resize by scale" : ""));
  }
  a.scale_h = static_cast<float>(sizes.sym[2].factor);
  a.scale_w = static_cast<float>(sizes.sym[3].factor);
  return a;
}

Status Importer::import_resize(const onnx::NodeProto& n) {
  const std::string where = label(n);
  const bool upsample = n.op_type() == "Upsample";
  CALDERA_ASSIGN_OR_RETURN(Value xv, runtime_value(n, 0));
  const int x = xv.tensor;
  if (xv.rank != 4) return unsupported(where + ": resize of a rank-" + std::to_string(xv.rank) + " tensor");
  const std::string mode = attr_string(n, "mode", "nearest");
  // Upsample's coordinates are Resize's "asymmetric" with floor for nearest.
  const std::string ctm = upsample ? "asymmetric" : attr_string(n, "coordinate_transformation_mode", "half_pixel");
  const std::string nearest_mode = upsample ? "floor" : attr_string(n, "nearest_mode", "round_prefer_floor");
  ir::ResizeAttrs a;
  if (mode == "nearest") a.mode = ir::ResizeMode::Nearest;
  else if (mode == "linear" || mode == "bilinear") a.mode = ir::ResizeMode::Bilinear;
  else if (mode == "cubic" || mode == "bicubic") a.mode = ir::ResizeMode::Bicubic;
  else return invalid_argument(where + ": mode '" + mode + "'");
  a.cubic_a = attr_float(n, "cubic_coeff_a", -0.75f);
  if (attr_int(n, "exclude_outside", 0) != 0 || attr_int(n, "antialias", 0) != 0 || !attr_ints(n, "axes").empty() ||
      attr_string(n, "keep_aspect_ratio_policy", "stretch") != "stretch")
    return unsupported(where + ": exclude_outside, antialias, axes and keep_aspect_ratio_policy are not supported");
  const bool nearest = a.mode == ir::ResizeMode::Nearest;
  // Nearest: asymmetric + floor is the IR's formula at any scale; half-pixel coordinates with
  // rounding give the same pixels at whole scales. Linear and cubic: every coordinate transform
  // the IR has, at any scale (the coordinates then come from the scale, in float, as ONNX Runtime
  // computes them).
  const bool any_scale = nearest && ctm == "asymmetric" && nearest_mode == "floor";
  const bool half = ctm == "half_pixel" || ctm == "pytorch_half_pixel";
  bool whole_scale_only = false;
  if (nearest) {
    if (!any_scale && !(half && (nearest_mode == "round_prefer_floor" || nearest_mode == "round_prefer_ceil")))
      return unsupported(where + ": mode 'nearest' with coordinate_transformation_mode '" + ctm + "' and nearest_mode '" +
                         nearest_mode + "' is not supported (asymmetric + floor at any scale, or half_pixel + round at "
                         "whole scales)");
    whole_scale_only = !any_scale;
  } else if (ctm == "half_pixel") {
    a.coord = ir::ResizeCoord::HalfPixel;
  } else if (ctm == "pytorch_half_pixel") {
    a.coord = ir::ResizeCoord::PytorchHalfPixel;
  } else if (ctm == "align_corners") {
    a.coord = ir::ResizeCoord::AlignCorners;
  } else if (ctm == "asymmetric") {
    a.coord = ir::ResizeCoord::Asymmetric;
  } else {
    return unsupported(where + ": mode '" + mode + "' with coordinate_transformation_mode '" + ctm +
                       "' is not supported (half_pixel, pytorch_half_pixel, align_corners, asymmetric)");
  }
  const int scales_at = upsample ? 1 : 2;
  const ConstValue* scales = nullptr;
  if (has_input(n, scales_at)) {
    CALDERA_ASSIGN_OR_RETURN(scales, const_input(n, scales_at));
    if (scales->count() == 0) scales = nullptr;  // empty: sizes are given instead
  }
  if (scales) {
    if (scales->count() != 4 || scales->any_symbolic())
      return unsupported(where + ": scales of shape " + scales->dims_text() + "; Caldera resizes NCHW tensors");
    if (scales->at(0) != 1.0 || scales->at(1) != 1.0) return unsupported(where + ": resizes the batch or channel dimension");
    if (!(scales->at(2) > 0.0 && scales->at(3) > 0.0 && scales->at(2) <= 1e4 && scales->at(3) <= 1e4))
      return invalid_argument(where + ": scales must be positive");
    if (whole_scale_only && (!is_whole(scales->at(2)) || !is_whole(scales->at(3))))
      return unsupported(where + ": nearest by scale " + number_text(scales->at(2)) + "x" + number_text(scales->at(3)) +
                         " with '" + ctm + "' coordinates; the IR matches ONNX there at whole scales only");
    a.scale_h = static_cast<float>(scales->at(2));
    a.scale_w = static_cast<float>(scales->at(3));
    a.scale_coords = !nearest;
  } else if (!upsample && has_input(n, 3)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* sizes, const_input(n, 3));
    CALDERA_ASSIGN_OR_RETURN(ir::ResizeAttrs by_size, resize_by_sizes(n, x, *sizes, nearest));
    if (by_size.out_h > 0 && nearest && !any_scale)
      return unsupported(where + ": nearest to a fixed size needs coordinate_transformation_mode 'asymmetric' with "
                         "nearest_mode 'floor'");
    a.scale_h = by_size.scale_h;
    a.scale_w = by_size.scale_w;
    a.out_h = by_size.out_h;
    a.out_w = by_size.out_w;
  } else {
    return invalid_argument(where + ": neither scales nor sizes are given");
  }
  return emit(n, ir::OpType::Resize, a, {}, {x});
}

Status Importer::import_depth_space(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank != 4) return unsupported(label(n) + ": " + n.op_type() + " of a rank-" + std::to_string(x.rank) + " tensor");
  const int64_t block = attr_int(n, "blocksize", 0);
  if (block < 1 || block > 64) return invalid_argument(label(n) + ": blocksize " + std::to_string(block));
  if (n.op_type() == "SpaceToDepth")
    return emit(n, ir::OpType::SpaceToDepth, ir::SpaceToDepthAttrs{static_cast<int>(block), 1}, {}, {x.tensor});
  const std::string mode = attr_string(n, "mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return invalid_argument(label(n) + ": mode '" + mode + "' (DCR or CRD)");
  ir::PixelShuffleAttrs a{static_cast<int>(block), mode == "CRD" ? 0 : 1};
  return emit(n, ir::OpType::PixelShuffle, a, {}, {x.tensor});
}

Status Importer::import_reshape(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* shape, const_input(n, 1));
  const std::string where = label(n);
  const bool allow_zero = attr_int(n, "allowzero", 0) != 0;
  std::vector<ir::ReshapeDim> dims;
  std::vector<int> shape_inputs;  // tensors other than x whose sizes the shape reads
  for (size_t i = 0; i < shape->count(); ++i) {
    if (shape->is_symbolic(i)) {
      const SymDim& s = shape->sym[i];
      int source = 0;
      if (s.tensor != x.tensor) {
        auto it = std::find(shape_inputs.begin(), shape_inputs.end(), s.tensor);
        source = 1 + static_cast<int>(it - shape_inputs.begin());
        if (it == shape_inputs.end()) shape_inputs.push_back(s.tensor);
      }
      dims.push_back(from_input(source, s.axis, s.factor));
      continue;
    }
    const int64_t v = to_int64(shape->at(i));
    if (v == 0 && !allow_zero) {
      if (static_cast<int>(i) >= x.rank) return invalid_argument(where + ": 0 (copy) at index " + std::to_string(i) + " of a rank-" + std::to_string(x.rank) + " input");
      dims.push_back(from_input(0, static_cast<int>(i)));
    } else if (v == -1) {
      dims.push_back(inferred());
    } else if (v < 0 || v > (int64_t{1} << 32) || (v == 0 && allow_zero)) {
      return invalid_argument(where + ": target dimension " + std::to_string(v));
    } else {
      dims.push_back(fixed(v));
    }
  }
  return emit_reshape(n, x, std::move(dims), std::move(shape_inputs));
}

Status Importer::import_flatten(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < 0) axis += x.rank;
  if (axis == 0) return emit_reshape(n, x, {fixed(1), inferred()}, {});
  if (axis == 1) return emit_reshape(n, x, {from_input(0, 0), inferred()}, {});
  return unsupported(label(n) + ": Flatten at axis " + std::to_string(attr_int(n, "axis", 1)) +
                     " (Caldera keeps the batch: axis 0 or 1)");
}

Status Importer::import_squeeze(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  const std::string where = label(n);
  const bool squeeze = n.op_type() == "Squeeze";
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ints_input_or_attr(n, 1, "axes"));
  const int out_rank = squeeze ? x.rank - static_cast<int>(axes.size()) : x.rank + static_cast<int>(axes.size());
  std::vector<bool> marked(static_cast<size_t>(squeeze ? x.rank : std::max(out_rank, 0)), false);
  if (squeeze && axes.empty()) {
    // Every dimension of size 1, which must be known now.
    CALDERA_ASSIGN_OR_RETURN(ir::Shape s, shape_now(x.tensor));
    for (int i = 0; i < x.rank; ++i) {
      if (s.dim(i) == ir::kDynamic) return unsupported(where + ": Squeeze without axes of a tensor of unknown size");
      if (s.dim(i) == 1 && i > 0) marked[static_cast<size_t>(i)] = true;
    }
  }
  for (int64_t a : axes) {
    if (!normalize_axis(a, static_cast<int>(marked.size())) || marked[static_cast<size_t>(a)])
      return invalid_argument(where + ": axes " + ints_text(axes));
    marked[static_cast<size_t>(a)] = true;
  }
  if (marked.empty() || marked[0]) return unsupported(where + ": squeezes or inserts the batch axis");
  std::vector<ir::ReshapeDim> dims;
  int next = 0;  // input axis
  for (size_t i = 0; i < marked.size(); ++i) {
    if (squeeze) {
      if (!marked[i]) dims.push_back(from_input(0, static_cast<int>(i)));
    } else {
      dims.push_back(marked[i] ? fixed(1) : from_input(0, next++));
    }
  }
  return emit_reshape(n, x, std::move(dims), {});
}

Status Importer::import_transpose(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  std::vector<int64_t> perm = attr_ints(n, "perm");
  if (perm.empty())
    for (int i = x.rank; i-- > 0;) perm.push_back(i);
  if (static_cast<int>(perm.size()) != x.rank)
    return invalid_argument(label(n) + ": perm " + ints_text(perm) + " for a rank-" + std::to_string(x.rank) + " tensor");
  std::vector<int> p;
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= x.rank) return invalid_argument(label(n) + ": perm " + ints_text(perm));
    p.push_back(static_cast<int>(perm[i]));
    identity = identity && perm[i] == static_cast<int64_t>(i);
  }
  if (identity) return define(n, n.output(0), x);
  for (int i = x.rank; i < 4; ++i) p.push_back(i);  // the IR's trailing 1s stay
  return emit(n, ir::OpType::Transpose, ir::TransposeAttrs{std::move(p)}, {}, {x.tensor}, x.rank);
}

Status Importer::import_slice(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank > 4) return unsupported(where + ": Slice of a rank-" + std::to_string(x.rank) + " tensor");
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> starts, ints_input_or_attr(n, 1, "starts"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> ends, ints_input_or_attr(n, 2, "ends"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ints_input_or_attr(n, 3, "axes"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> steps, ints_input_or_attr(n, 4, "steps"));
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (starts.size() != ends.size() || axes.size() != starts.size() || (!steps.empty() && steps.size() != starts.size()))
    return invalid_argument(where + ": starts, ends, axes and steps differ in length");
  ir::SliceAttrs a;
  bool seen[4] = {false, false, false, false};
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = axes[i];
    if (!normalize_axis(ax, x.rank) || seen[ax]) return invalid_argument(where + ": axes " + ints_text(axes));
    seen[ax] = true;
    if (!steps.empty() && steps[i] != 1)
      return unsupported(where + ": step " + std::to_string(steps[i]) + " (Caldera slices with step 1)");
    if (ax == 0) {
      if (starts[i] != 0 || ends[i] < 2147483647) return unsupported(where + ": slices the batch axis");
      continue;
    }
    a.begin[ax - 1] = starts[i];
    a.end[ax - 1] = ends[i] >= (int64_t{1} << 62) ? ir::kSliceToEnd : ends[i];
  }
  return emit(n, ir::OpType::Slice, a, {}, {x.tensor}, x.rank);
}

Status Importer::import_split(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank > 4) return unsupported(where + ": Split of a rank-" + std::to_string(x.rank) + " tensor");
  int64_t axis = attr_int(n, "axis", 0);
  if (!normalize_axis(axis, x.rank)) return invalid_argument(where + ": axis " + std::to_string(attr_int(n, "axis", 0)));
  if (axis == 0) return unsupported(where + ": splits the batch axis");
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ints_input_or_attr(n, 1, "split"));
  const int parts = n.output_size();
  if (parts < 1) return invalid_argument(where + ": no outputs");
  if (sizes.empty()) {
    CALDERA_ASSIGN_OR_RETURN(ir::Shape s, shape_now(x.tensor));
    const int64_t dim = s.dim(static_cast<int>(axis));
    if (dim == ir::kDynamic)
      return unsupported(where + ": an even split of an axis whose size is known only at run time (give split sizes)");
    const int64_t chunk = (dim + parts - 1) / parts;  // the last part takes what is left (opset 18)
    for (int i = 0; i < parts; ++i) sizes.push_back(std::max<int64_t>(std::min(chunk, dim - chunk * i), 0));
  }
  if (static_cast<int>(sizes.size()) != parts)
    return invalid_argument(where + ": " + std::to_string(sizes.size()) + " split sizes for " + std::to_string(parts) + " outputs");
  // One Slice per output: the IR's nodes make one tensor each.
  int64_t offset = 0;
  for (int i = 0; i < parts; ++i) {
    if (sizes[static_cast<size_t>(i)] < 1) return invalid_argument(where + ": split size " + std::to_string(sizes[static_cast<size_t>(i)]));
    ir::SliceAttrs a;
    a.begin[axis - 1] = offset;
    a.end[axis - 1] = offset + sizes[static_cast<size_t>(i)];
    offset += sizes[static_cast<size_t>(i)];
    if (n.output(i).empty()) continue;
    CALDERA_RETURN_IF_ERROR(emit(n, ir::OpType::Slice, a, {}, {x.tensor}, x.rank, i));
  }
  return Status::ok();
}

Status Importer::import_pad(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(Value x, runtime_value(n, 0));
  if (x.rank != 4) return unsupported(where + ": Pad of a rank-" + std::to_string(x.rank) + " tensor");
  const std::string mode = attr_string(n, "mode", "constant");
  ir::PadAttrs a;
  if (mode == "constant") a.mode = ir::PadMode::Constant;
  else if (mode == "reflect") a.mode = ir::PadMode::Reflect;
  else if (mode == "edge") a.mode = ir::PadMode::Edge;
  else return unsupported(where + ": mode '" + mode + "' (constant, reflect, edge)");
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ints_input_or_attr(n, 1, "pads"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ints_input_or_attr(n, 3, "axes"));
  if (axes.empty())
    for (int i = 0; i < x.rank; ++i) axes.push_back(i);
  if (pads.size() != 2 * axes.size())
    return invalid_argument(where + ": " + std::to_string(pads.size()) + " pads for " + std::to_string(axes.size()) + " axes");
  int64_t begin[4] = {0, 0, 0, 0}, end[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = axes[i];
    if (!normalize_axis(ax, x.rank)) return invalid_argument(where + ": axes " + ints_text(axes));
    begin[ax] = pads[i];
    end[ax] = pads[i + axes.size()];
  }
  if (begin[0] || end[0] || begin[1] || end[1]) return unsupported(where + ": pads the batch or channel axis");
  for (int d = 2; d < 4; ++d)
    if (begin[d] < 0 || end[d] < 0 || begin[d] > 4096 || end[d] > 4096)
      return unsupported(where + ": padding " + ints_text(pads) + " (negative pads crop; use Slice)");
  a.top = static_cast<int>(begin[2]);
  a.left = static_cast<int>(begin[3]);
  a.bottom = static_cast<int>(end[2]);
  a.right = static_cast<int>(end[3]);
  if (has_input(n, 2)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* v, const_input(n, 2));
    if (v->count() > 1 || v->any_symbolic()) return invalid_argument(where + ": constant_value must be a scalar");
    if (v->count() == 1) a.value = static_cast<float>(v->at(0));
  } else if (const auto* value = attr(n, "value")) {
    a.value = value->f();
  }
  return emit(n, ir::OpType::Pad, a, {}, {x.tensor});
}

}  // namespace caldera::nn::onnx_import
