// Helpers for the pass tests: run a graph on the CPU runtime, compare outputs within 1e-5 of
// the range, count nodes, run one pass on a copy.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/cpu/cpu_runtime.hpp"
#include "nn/ir/graph.hpp"
#include "nn/passes/pass.hpp"
#include "nn_test_util.hpp"

namespace caldera::nn::testing {

// Runs `g` on the CPU with one input per graph input (seeded), returns every output.
inline std::vector<cpu::HostTensor> run_cpu(const ir::Graph& g, const ir::Shape& shape, uint64_t seed = 7) {
  std::vector<std::vector<float>> data;
  std::vector<const float*> ptrs;
  std::vector<ir::Shape> shapes;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    ir::Shape s = shape;
    const ir::Shape& declared = g.tensors[static_cast<size_t>(g.inputs[i])].shape;
    if (declared.c != ir::kDynamic) s.c = declared.c;
    data.push_back(random_values(static_cast<size_t>(s.count()), seed + i));
    shapes.push_back(s);
  }
  for (const auto& d : data) ptrs.push_back(d.data());
  std::vector<cpu::HostTensor> out;
  Status st = cpu::run_graph(g, ptrs, shapes, out, 2);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return out;
}

// max |a - b| <= 1e-5 * range(a), every output.
inline void expect_same_outputs(const std::vector<cpu::HostTensor>& a, const std::vector<cpu::HostTensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].shape, b[k].shape);
    ASSERT_EQ(a[k].data.size(), b[k].data.size());
    const auto [lo, hi] = std::minmax_element(a[k].data.begin(), a[k].data.end());
    const double range = std::max(1e-6, static_cast<double>(*hi - *lo));
    double worst = 0;
    for (size_t i = 0; i < a[k].data.size(); ++i) {
      ASSERT_TRUE(std::isfinite(b[k].data[i]));
      worst = std::max(worst, std::fabs(static_cast<double>(a[k].data[i]) - b[k].data[i]));
    }
    EXPECT_LE(worst, 1e-5 * range) << "output " << k << ": worst " << worst << " over a range of " << range;
  }
}

inline size_t count_op(const ir::Graph& g, ir::OpType op) {
  return static_cast<size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), [op](const ir::Node& n) { return n.op == op; }));
}

inline const ir::Node& node_named(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node '" << name << "' in\n" << ir::dump(g);
  return g.nodes[0];
}

// Runs one pass on a copy of `g`; the copy must validate.
inline ir::Graph run_pass(const ir::Graph& g, passes::Pass& pass) {
  ir::Graph out = g;
  Status s = pass.run(out);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  Status v = ir::validate(out);
  EXPECT_TRUE(v.is_ok()) << pass.name() << ": " << v.to_string() << "\n" << ir::dump(out);
  return out;
}

}  // namespace caldera::nn::testing
