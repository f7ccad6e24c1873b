// The public Pipeline: build once, run once, statistics after.
#include "caldera/pipeline/pipeline.hpp"

#include <fmt/core.h>

#include "pipeline/graph.hpp"

namespace caldera {

const char* stage_kind_name(StageKind kind) {
  switch (kind) {
    case StageKind::Source: return "source";
    case StageKind::Operator: return "operator";
    case StageKind::Model: return "model";
    case StageKind::Sink: return "sink";
    case StageKind::Upload: return "upload";
    case StageKind::Download: return "download";
  }
  return "?";
}

struct Pipeline::Impl {
  std::unique_ptr<pipeline::Graph> graph;
  std::vector<StageInfo> stages;
  PipelineStats stats;
  pipeline::JobState job;
  bool ran = false;
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Result<Pipeline> Pipeline::create(PipelineSpec spec, const PipelineOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(std::unique_ptr<pipeline::Graph> graph, pipeline::build_graph(std::move(spec), options));
  auto impl = std::make_unique<Impl>();
  for (const pipeline::Node& n : graph->nodes) impl->stages.push_back(n.info);
  impl->graph = std::move(graph);
  return Pipeline(std::move(impl));
}

const std::vector<StageInfo>& Pipeline::stages() const { return impl_->stages; }
const MediaInfo& Pipeline::source_info() const { return impl_->graph->source_info; }
const PipelineStats& Pipeline::stats() const { return impl_->stats; }

std::string Pipeline::describe() const {
  const auto shape = [](const ImageDesc& d) { return fmt::format("{}x{} {}", d.width, d.height, format_name(d.format)); };
  std::string out;
  for (const StageInfo& s : impl_->stages) {
    std::string frames = s.kind == StageKind::Source ? shape(s.out)
                         : s.kind == StageKind::Sink ? shape(s.in)
                                                     : shape(s.in) + " -> " + shape(s.out);
    std::string extra;
    if (s.workers > 1) extra += fmt::format(", {} workers", s.workers);
    if (s.batch > 1) extra += fmt::format(", batch {}", s.batch);
    out += fmt::format("  {:<20} {:<8} {:<3}  {}: {}{}\n", s.name, stage_kind_name(s.kind), s.on_gpu ? "gpu" : "cpu",
                       s.what, frames, extra);
    if (!s.note.empty()) out += "    (added: " + s.note + ")\n";
  }
  return out;
}

Status Pipeline::run(const RunControl& control) {
  if (impl_->ran) return invalid_argument("a pipeline runs once; create another for the next job");
  impl_->ran = true;
  return pipeline::run_graph(*impl_->graph, control, impl_->job, impl_->stats);
}

void Pipeline::cancel() { impl_->job.fail(cancelled("cancelled")); }

}  // namespace caldera
