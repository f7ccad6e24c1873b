// Statistics of a run: per stage from its workers' counters and its queue, the limiting stage,
// and the table `caldera run --stats` prints.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "pipeline/graph.hpp"

namespace caldera::pipeline {

void fill_stats(Graph& g, double seconds, int in_flight_max, PipelineStats& stats) {
  stats.seconds = seconds;
  stats.frames = g.nodes.empty() || g.nodes[0].stats.empty() ? 0 : g.nodes[0].stats[0].frames.load();
  stats.fps = seconds > 0 ? stats.frames / seconds : 0;
  stats.frames_in_flight_max = in_flight_max;
  const double end = now_seconds();
  double worst = -1;
  for (Node& n : g.nodes) {
    StageStats s;
    s.name = n.info.name;
    s.kind = n.info.kind;
    s.on_gpu = n.info.on_gpu;
    s.workers = static_cast<int>(n.stats.size());
    for (const WorkerStats& w : n.stats) {
      s.frames += w.frames.load();
      s.busy_s += w.busy_s;
      s.cpu_s += w.cpu_s;
      s.gpu_s += w.gpu.seconds();
      s.wait_input_s += w.wait_input_s;
      s.wait_output_s += w.wait_output_s;
    }
    if (n.queue) {
      s.queue_capacity = n.queue->capacity();
      s.queue_max = n.queue->max_depth();
      s.queue_mean = n.queue->mean_depth(end);
    }
    const double work = std::max(s.busy_s, s.gpu_s);
    s.fps = seconds > 0 ? s.frames / seconds : 0;
    s.load = seconds > 0 && s.workers > 0 ? work / (s.workers * seconds) : 0;
    s.standalone_fps = work > 0 ? s.frames * s.workers / work : 0;
    if (n.pool) {
      stats.buffers += n.pool->created();
      stats.buffer_bytes += n.pool->bytes();
      stats.buffers_outstanding += n.pool->outstanding();
    }
    if (s.frames > 0 && s.load > worst) {
      worst = s.load;
      stats.limiting = static_cast<int>(stats.stages.size());
    }
    stats.stages.push_back(std::move(s));
  }
}

namespace {

std::string percent(double part, double whole) {
  if (whole <= 0) return "-";
  return fmt::format("{:.0f}%", 100.0 * part / whole);
}

}  // namespace

std::string format_stats(const PipelineStats& st) {
  std::string out = fmt::format("{} run: {} frames in {:.3f} s ({:.1f} fps)\n", st.synchronous ? "synchronous" : "pipelined",
                                st.frames, st.seconds, st.fps);
  out += fmt::format("{:<22} {:<9} {:<4} {:>3} {:>7} {:>8} {:>6} {:>6} {:>6} {:>8} {:>9} {:>12} {:>10}\n", "stage", "kind",
                     "on", "wk", "frames", "fps", "busy", "cpu", "gpu", "wait-in", "wait-out", "queue", "alone fps");
  for (const StageStats& s : st.stages) {
    const double span = st.seconds * s.workers;
    const std::string queue = s.queue_capacity > 0 ? fmt::format("{}/{} ~{:.1f}", s.queue_max, s.queue_capacity, s.queue_mean) : "-";
    out += fmt::format("{:<22} {:<9} {:<4} {:>3} {:>7} {:>8.1f} {:>6} {:>6} {:>6} {:>8} {:>9} {:>12} {:>10.1f}\n", s.name,
                       stage_kind_name(s.kind), s.on_gpu ? "gpu" : "cpu", s.workers, s.frames, s.fps, percent(s.busy_s, span),
                       percent(s.cpu_s, span), s.on_gpu ? percent(s.gpu_s, span) : "-", percent(s.wait_input_s, span),
                       percent(s.wait_output_s, span), queue, s.standalone_fps);
  }
  out += "(busy, cpu, gpu and waits: percent of the run's wall time per worker; alone fps: frames per second of the\n"
         " stage's own work, what it would manage if it never waited)\n";
  if (st.limiting >= 0) {
    const StageStats& s = st.stages[static_cast<size_t>(st.limiting)];
    out += fmt::format("limiting stage: {} ({}), working {:.0f}% of the time; on its own {:.1f} fps\n", s.name,
                       stage_kind_name(s.kind), 100.0 * s.load, s.standalone_fps);
  }
  if (!st.synchronous)
    out += fmt::format("frames in flight: at most {} of {}\n", st.frames_in_flight_max, st.frames_in_flight_limit);
  out += fmt::format("frame buffers: {} made, {:.1f} MiB\n", st.buffers, st.buffer_bytes / 1048576.0);
  if (st.gpu.sampled) {
    out += fmt::format("GPU: {:.0f}% busy (mean of {} samples, max {:.0f}%; {})\n", st.gpu.mean_percent, st.gpu.samples,
                       st.gpu.max_percent, st.gpu.note);
    if (st.gpu.steady_samples > 0)
      out += fmt::format("GPU after the first frame out: {:.0f}% busy (mean of {} samples)\n", st.gpu.steady_mean_percent,
                         st.gpu.steady_samples);
  } else {
    out += "GPU: not sampled (" + st.gpu.note + ")\n";
  }
  return out;
}

}  // namespace caldera::pipeline

namespace caldera {

std::string format_stats(const PipelineStats& stats) { return pipeline::format_stats(stats); }

std::string stats_to_json(const PipelineStats& st) {
  nlohmann::ordered_json j;
  j["synchronous"] = st.synchronous;
  j["seconds"] = st.seconds;
  j["frames"] = st.frames;
  j["fps"] = st.fps;
  j["limiting"] = st.limiting >= 0 ? nlohmann::ordered_json(st.stages[static_cast<size_t>(st.limiting)].name) : nullptr;
  j["frames_in_flight_limit"] = st.frames_in_flight_limit;
  j["frames_in_flight_max"] = st.frames_in_flight_max;
  j["buffers"] = st.buffers;
  j["buffer_bytes"] = st.buffer_bytes;
  j["buffers_outstanding"] = st.buffers_outstanding;
  j["gpu"] = {{"sampled", st.gpu.sampled}, {"note", st.gpu.note}, {"mean_percent", st.gpu.mean_percent},
              {"max_percent", st.gpu.max_percent}, {"samples", st.gpu.samples},
              {"steady_mean_percent", st.gpu.steady_mean_percent}, {"steady_samples", st.gpu.steady_samples}};
  j["stages"] = nlohmann::ordered_json::array();
  for (const StageStats& s : st.stages)
    j["stages"].push_back({{"name", s.name}, {"kind", stage_kind_name(s.kind)}, {"on_gpu", s.on_gpu}, {"workers", s.workers},
                           {"frames", s.frames}, {"busy_s", s.busy_s}, {"cpu_s", s.cpu_s}, {"gpu_s", s.gpu_s},
                           {"wait_input_s", s.wait_input_s}, {"wait_output_s", s.wait_output_s},
                           {"queue_capacity", s.queue_capacity}, {"queue_max", s.queue_max}, {"queue_mean", s.queue_mean},
                           {"fps", s.fps}, {"load", s.load}, {"standalone_fps", s.standalone_fps}});
  return j.dump(2) + "\n";
}

}  // namespace caldera
