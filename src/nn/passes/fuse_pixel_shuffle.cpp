// Pixel-shuffle fusion: the Reshape -> Transpose -> Reshape chain exporters write for a pixel
// shuffle (PyTorch's pixel_shuffle, ONNX DepthToSpace spelt out) or its inverse (pixel_unshuffle,
// SpaceToDepth) becomes one PixelShuffle or SpaceToDepth node, so no runtime sees a 6-D tensor.
//
// The permutation picks the candidate:
//   [0,1,4,2,5,3]  [N, C, r, r, H, W] -> [N, C, H, r, W, r]   PixelShuffle mode 0 (CRD)
//   [0,3,4,1,5,2]  [N, r, r, C, H, W] -> [N, C, H, r, W, r]   PixelShuffle mode 1 (DCR)
//   [0,1,3,5,2,4]  [N, C, H, r, W, r] -> [N, C, r, r, H, W]   SpaceToDepth mode 0 (pixel_unshuffle)
//   [0,3,5,1,2,4]  [N, C, H, r, W, r] -> [N, r, r, C, H, W]   SpaceToDepth mode 1 (ONNX)
// and the candidate is accepted only if it computes the same values as the chain: both run on
// the CPU runtime, on inputs whose every value differs, at two sizes and two batch sizes (at the
// one size the graph allows when its input size is fixed). The reshapes' dims can be written in
// many ways (numbers, -1, sizes read from Shape); running them checks what they mean.
#include <optional>

#include "nn/cpu/cpu_runtime.hpp"
#include "nn/passes/graph_edit.hpp"
#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {
namespace {

struct Candidate {
  bool shuffle = true;  // PixelShuffle, else SpaceToDepth
  int mode = 0;
  int factor = 1;
};

std::optional<Candidate> candidate_for(const std::vector<int>& perm, const ir::Shape& six) {
  if (perm.size() != 6 || six.rank() != 6) return std::nullopt;
  const auto d = [&](int i) { return six.dim(i); };
  Candidate c;
  if (perm == std::vector<int>{0, 1, 4, 2, 5, 3}) c = {true, 0, static_cast<int>(d(2))};
  else if (perm == std::vector<int>{0, 3, 4, 1, 5, 2}) c = {true, 1, static_cast<int>(d(1))};
  else if (perm == std::vector<int>{0, 1, 3, 5, 2, 4}) c = {false, 0, static_cast<int>(d(3))};
  else if (perm == std::vector<int>{0, 3, 5, 1, 2, 4}) c = {false, 1, static_cast<int>(d(3))};
  else return std::nullopt;
  if (c.factor < 1 || c.factor > 64) return std::nullopt;  // a block size not known at load
  return c;
}

// The chain (r1, tr, r2 node indices, copied with x as the input) and the candidate on one
// input shape: same output shape and values, or false (including when either refuses the shape).
bool same_on(const ir::Graph& g, int r1, int tr, int r2, int x, const Candidate& c, const ir::Shape& shape) {
  ir::Graph chain;
  chain.name = "probe";
  const int in = chain.add_tensor("x", shape);
  ir::Node input;
  input.op = ir::OpType::Input;
  input.name = "x";
  input.outputs = {in};
  chain.add_node(input);
  chain.inputs = {in};
  std::vector<int> map(g.tensors.size(), -1);
  map[static_cast<size_t>(x)] = in;
  for (int idx : {r1, tr, r2}) {
    ir::Node n = g.nodes[static_cast<size_t>(idx)];
    for (int& t : n.inputs) {
      if (map[static_cast<size_t>(t)] < 0) return false;  // reads something else than the chain
      t = map[static_cast<size_t>(t)];
    }
    const int out = chain.add_tensor(g.tensors[static_cast<size_t>(n.outputs[0])].name);
    map[static_cast<size_t>(n.outputs[0])] = out;
    n.outputs = {out};
    chain.add_node(std::move(n));
  }
  chain.outputs = {map[static_cast<size_t>(g.nodes[static_cast<size_t>(r2)].outputs[0])]};

  ir::Graph fused;
  fused.name = "probe";
  const int fin = fused.add_tensor("x", shape);
  fused.add_node(input);
  fused.nodes[0].outputs = {fin};
  fused.inputs = {fin};
  ir::Node f;
  f.op = c.shuffle ? ir::OpType::PixelShuffle : ir::OpType::SpaceToDepth;
  f.name = "candidate";
  f.inputs = {fin};
  f.outputs = {fused.add_tensor("y")};
  if (c.shuffle) f.attrs = ir::PixelShuffleAttrs{c.factor, c.mode};
  else f.attrs = ir::SpaceToDepthAttrs{c.factor, c.mode};
  fused.outputs = f.outputs;
  fused.add_node(std::move(f));

  std::vector<float> values(static_cast<size_t>(shape.count()));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);  // exact in float below 2^24
  std::vector<cpu::HostTensor> a, b;
  if (!cpu::run_graph(chain, {values.data()}, {shape}, a, 1) || !cpu::run_graph(fused, {values.data()}, {shape}, b, 1))
    return false;
  return a[0].shape == b[0].shape && a[0].data == b[0].data;
}

class FusePixelShuffle final : public Pass {
 public:
  const char* name() const override { return "pixel_shuffle"; }

  Status run(ir::Graph& g) override {
    changed_ = 0;
    std::vector<ir::Shape> inputs;
    for (int t : g.inputs) inputs.push_back(g.tensors[static_cast<size_t>(t)].shape);
    auto shapes = ir::compute_shapes(g, inputs);
    if (!shapes) {
      summary_ = "0 chains fused (shapes unknown: " + shapes.status().message() + ")";
      return Status::ok();
    }
    Uses uses(g);
    std::vector<bool> drop(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const ir::Node& tr = g.nodes[i];
      if (tr.op != ir::OpType::Transpose) continue;
      const int six_in = tr.inputs[0], six_out = tr.outputs[0];
      const int r1 = g.tensors[static_cast<size_t>(six_in)].producer;
      const int r2 = uses.single_reader(six_out) ? first_reader(g, six_out) : -1;
      if (r1 < 0 || r2 < 0 || !uses.single_reader(six_in)) continue;
      const ir::Node& first = g.nodes[static_cast<size_t>(r1)];
      const ir::Node& last = g.nodes[static_cast<size_t>(r2)];
      if (first.op != ir::OpType::Reshape || last.op != ir::OpType::Reshape || last.inputs[0] != six_out) continue;
      const int x = first.inputs[0];
      const ir::Shape& xs = (*shapes)[static_cast<size_t>(x)];
      if (xs.rank() != 4 || xs.c == ir::kDynamic) continue;
      auto c = candidate_for(tr.attr<ir::TransposeAttrs>().perm, (*shapes)[static_cast<size_t>(six_in)]);
      if (!c) continue;
      // Probe sizes: the graph's own where fixed, else two multiples of the block.
      std::vector<ir::Shape> probes;
      const int64_t f = c->factor;
      if (xs.h != ir::kDynamic && xs.w != ir::kDynamic) {
        probes.push_back(ir::Shape{1, xs.c, xs.h, xs.w});
      } else {
        probes.push_back(ir::Shape{1, xs.c, xs.h != ir::kDynamic ? xs.h : 3 * f, xs.w != ir::kDynamic ? xs.w : 5 * f});
        probes.push_back(ir::Shape{2, xs.c, xs.h != ir::kDynamic ? xs.h : 2 * f, xs.w != ir::kDynamic ? xs.w : 7 * f});
      }
      bool same = true;
      for (const ir::Shape& p : probes) same = same && same_on(g, r1, static_cast<int>(i), r2, x, *c, p);
      if (!same) continue;
      ir::Node fused;
      fused.op = c->shuffle ? ir::OpType::PixelShuffle : ir::OpType::SpaceToDepth;
      fused.name = last.name;
      fused.inputs = {x};
      fused.outputs = last.outputs;
      if (c->shuffle) fused.attrs = ir::PixelShuffleAttrs{c->factor, c->mode};
      else fused.attrs = ir::SpaceToDepthAttrs{c->factor, c->mode};
      g.nodes[static_cast<size_t>(r2)] = std::move(fused);
      for (int idx : {r1, static_cast<int>(i)}) {
        g.nodes[static_cast<size_t>(idx)].inputs.clear();
        g.nodes[static_cast<size_t>(idx)].outputs.clear();
        drop[static_cast<size_t>(idx)] = true;
      }
      ++changed_;
    }
    if (changed_) remove_nodes(g, drop);
    summary_ = std::to_string(changed_) + " Reshape-Transpose-Reshape " + (changed_ == 1 ? "chain" : "chains") +
               " made one PixelShuffle / SpaceToDepth";
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<Pass> make_pixel_shuffle_fusion() { return std::make_unique<FusePixelShuffle>(); }

}  // namespace caldera::nn::passes
