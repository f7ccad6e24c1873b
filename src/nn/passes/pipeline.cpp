#include "nn/passes/pass.hpp"

namespace caldera::nn::passes {

Pipeline& Pipeline::add(std::unique_ptr<Pass> pass) {
  passes_.push_back(std::move(pass));
  return *this;
}

Pipeline Pipeline::standard() {
  Pipeline p;
  p.add(make_constant_folding())
      .add(make_pixel_shuffle_fusion())
      .add(make_fold_batchnorm())
      .add(make_fuse_conv_activation())
      .add(make_fuse_conv_residual())
      .add(make_dead_node_removal());
  return p;
}

Result<std::vector<PassRecord>> Pipeline::run(ir::Graph& g) const {
  CALDERA_RETURN_IF_ERROR(ir::validate(g));
  std::vector<PassRecord> records;
  for (const auto& pass : passes_) {
    Status s = pass->run(g);
    if (!s) return s.with_context(std::string("pass ") + pass->name());
    Status valid = ir::validate(g);
    if (!valid) return internal_error(std::string("pass ") + pass->name() + " left an invalid graph: " + valid.message());
    records.push_back(PassRecord{pass->name(), pass->changed(), pass->summary()});
  }
  return records;
}

}  // namespace caldera::nn::passes
