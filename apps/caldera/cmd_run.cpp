// `caldera run`: a job as a pipeline of stages running at once (src/pipeline): from a pipeline
// file (--pipeline), or from -i, --vf and -o (a source, one operator stage per filter, a sink).
// --sync runs the same stages one after another on one thread, the reference for comparisons.
// Folders of images of different sizes run frame by frame instead (frame_loop.cpp): a
// pipeline's buffers have one size.
#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>

#include "caldera/commands.hpp"
#include "caldera/device_info.hpp"
#include "caldera/filter.hpp"
#include "caldera/io/media.hpp"
#include "caldera/pipeline/pipeline.hpp"
#include "caldera/frame_loop.hpp"

namespace caldera::app {
namespace {

// Ctrl-C stops the job cleanly: every stage ends, outputs under temporary names are removed.
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

class Progress {
 public:
  // `frame_rate`: the source's, for the speed (seconds of video per second); 0 without a clock.
  Progress(bool enabled, long total, double frame_rate = 0) : enabled_(enabled), total_(total), rate_(frame_rate) {}
  void update(long frames, double s, bool final = false) {
    if (!enabled_) return;
    // Into a log (stderr not a terminal) a line every 10 s and the last one, each a line of its own.
    if (!tty_ && !final && s - last_line_s_ < 10.0) return;
    last_line_s_ = s;
    const double fps = s > 0 ? frames / s : 0;
    std::string line = fmt::format("frame {}", frames);
    if (total_ > 0) {
      line += fmt::format("/{} {:3.0f}%", total_, 100.0 * frames / total_);
      if (fps > 0 && !final) line += fmt::format("  ETA {:.1f}s", (total_ - frames) / fps);
    }
    line += fmt::format("  {:.1f} fps", fps);
    if (rate_ > 0 && fps > 0) line += fmt::format("  speed {:.2f}x", fps / rate_);
    if (!tty_) {
      fmt::print(stderr, "{}\n", line);
      return;
    }
    fmt::print(stderr, "\r{:<72}{}", line, final ? "\n" : "");
    shown_ = !final;
  }
  // Ends a progress line left open (before an error message).
  void end_line() {
    if (shown_) fmt::print(stderr, "\n");
    shown_ = false;
  }

 private:
  bool enabled_;
  long total_;
  double rate_;
  bool shown_ = false;
  bool tty_ = isatty(STDERR_FILENO) != 0;
  double last_line_s_ = 0;  // the first line into a log comes after 10 s
};

std::string where(bool gpu) {
  if (!gpu) return "cpu";
  const SystemInfo info = probe_system();
  for (const auto& d : info.devices)
    if (d.index == 0) return fmt::format("cuda:0 ({})", d.name);
  return "cuda:0";
}

// The command line's video and image options as the source's and sink's stage options
// (the names a pipeline file uses; src/pipeline/build.cpp reads them).
Status add_source_options(const RunOptions& o, std::map<std::string, std::string>& opts) {
  if (o.start > 0) opts["start"] = fmt::format("{}", o.start);
  if (o.duration > 0) opts["duration"] = fmt::format("{}", o.duration);
  if (o.decode != "auto") opts["decode"] = o.decode;
  // Nothing to copy into: the null output takes frames only.
  if (o.copy_streams != "all" || o.output == kNullSinkName) opts["copy_streams"] = "none";
  return Status::ok();
}

void add_sink_options(const RunOptions& o, std::map<std::string, std::string>& opts) {
  opts["jpeg_quality"] = std::to_string(o.jpeg_quality);
  if (o.image_format != "png") opts["image_format"] = o.image_format;
  if (!o.codec.empty()) opts["codec"] = o.codec;
  if (!o.encoder.empty()) opts["encoder"] = o.encoder;
  if (o.crf >= 0) opts["crf"] = fmt::format("{}", o.crf);
  if (!o.bitrate.empty()) opts["bitrate"] = o.bitrate;
  if (!o.preset.empty()) opts["preset"] = o.preset;
  if (o.gop > 0) opts["gop"] = std::to_string(o.gop);
  if (!o.pixel_format.empty()) opts["pix_fmt"] = o.pixel_format;
}

// -i, --vf, -o as a pipeline: the source, one operator stage per filter, the sink (with a
// conversion added when the file cannot hold what the chain makes).
Result<PipelineSpec> spec_from_chain(const RunOptions& o) {
  PipelineSpec spec;
  spec.device = o.device.empty() ? "auto" : o.device;
  StageSpec src;
  src.kind = StageKind::Source;
  src.name = "source";
  src.path = o.input;
  src.raw_format = o.input_format;
  src.raw_size = o.size;
  src.frames = o.frames;
  CALDERA_RETURN_IF_ERROR(add_source_options(o, src.options));
  spec.stages.push_back(std::move(src));
  if (!o.chain.empty()) {
    auto filters = parse_filter_specs(o.chain);
    if (!filters) return filters.status().with_context("--vf");
    for (FilterSpec& f : *filters) {
      StageSpec s;
      s.kind = StageKind::Operator;
      s.filter = f.name;
      s.options = std::move(f.options);
      spec.stages.push_back(std::move(s));
    }
  }
  StageSpec sink;
  sink.kind = StageKind::Sink;
  sink.name = "sink";
  sink.path = o.output;
  add_sink_options(o, sink.options);
  sink.convert = true;
  spec.stages.push_back(std::move(sink));
  return spec;
}

// A pipeline file, with -i / -o / --frames / --device overriding its source, sink and device.
Result<PipelineSpec> spec_from_file(const RunOptions& o) {
  CALDERA_ASSIGN_OR_RETURN(PipelineSpec spec, load_pipeline_file(o.pipeline));
  std::vector<StageSpec*> sources, sinks;
  for (StageSpec& s : spec.stages) {
    if (s.kind == StageKind::Source) sources.push_back(&s);
    if (s.kind == StageKind::Sink) sinks.push_back(&s);
  }
  if (!o.input.empty() || o.frames > 0 || !o.input_format.empty() || !o.size.empty()) {
    if (sources.size() != 1) return invalid_argument("-i/--frames: " + o.pipeline + " has no single source stage to apply them to");
    if (!o.input.empty()) sources[0]->path = o.input;
    if (o.frames > 0) sources[0]->frames = o.frames;
    if (!o.input_format.empty()) sources[0]->raw_format = o.input_format;
    if (!o.size.empty()) sources[0]->raw_size = o.size;
  }
  if (!o.output.empty()) {
    if (sinks.size() != 1) return invalid_argument("-o: " + o.pipeline + " has " + std::to_string(sinks.size()) + " sinks; -o replaces the path of one");
    sinks[0]->path = o.output;
  }
  if (!o.device.empty()) spec.device = o.device;
  return spec;
}

Status run_job(const RunOptions& o, bool* interrupted) {
  if (!o.pipeline.empty() && !o.chain.empty()) return invalid_argument("--vf and --pipeline: give one or the other");
  if (o.pipeline.empty() && (o.input.empty() || o.output.empty()))
    return invalid_argument("run needs -i and -o (or --pipeline FILE)");
  if (!o.device.empty()) CALDERA_RETURN_IF_ERROR(parse_device_choice(o.device).status());
  if (o.pipeline.empty() && is_image_sequence_input(o.input)) {
    // A folder whose images differ in size runs frame by frame (the chain re-planned per size).
    SourceOptions probe;
    CALDERA_ASSIGN_OR_RETURN(auto folder, open_media_source(o.input, probe));
    if (folder->info().size_varies) return run_frame_by_frame(o, std::move(folder));
  }
  CALDERA_ASSIGN_OR_RETURN(PipelineSpec spec, o.pipeline.empty() ? spec_from_chain(o) : spec_from_file(o));
  spec.frames_in_flight = o.frames_in_flight > 0 ? o.frames_in_flight : spec.frames_in_flight;
  PipelineOptions options;
  options.synchronous = o.sync;
  auto created = Pipeline::create(std::move(spec), options);
  if (!created) return o.pipeline.empty() ? created.status() : created.status().with_context(o.pipeline);
  Pipeline pipeline = std::move(created).value();

  const std::vector<StageInfo>& stages = pipeline.stages();
  bool gpu = false;
  for (const StageInfo& s : stages) gpu = gpu || s.on_gpu;
  if (!o.quiet) {
    for (const StageInfo& s : stages)
      if (s.kind == StageKind::Operator && !s.note.empty()) fmt::print(stderr, "note: {}\n", s.note);
    const StageInfo& first = stages.front();
    const StageInfo* last = nullptr;
    std::string steps;
    for (const StageInfo& s : stages) {
      if (s.kind == StageKind::Sink && !last) last = &s;
      if (s.kind == StageKind::Operator || s.kind == StageKind::Model) steps += (steps.empty() ? "" : ", ") + s.what;
    }
    const std::string mode = o.sync ? "synchronous" : "pipelined";
    if (o.pipeline.empty()) {
      fmt::print(stderr, "{}: {}x{} {} -> {}x{} {} on {} ({}){}{}\n", o.input, first.out.width, first.out.height,
                 format_name(first.out.format), last->in.width, last->in.height, format_name(last->in.format), where(gpu),
                 mode, steps.empty() ? "" : ": ", steps);
    } else {
      fmt::print(stderr, "{}: {} stages on {} ({})\n{}", o.pipeline, stages.size(), where(gpu), mode, pipeline.describe());
    }
    const MediaInfo& info = pipeline.source_info();
    if (!info.codec.empty()) fmt::print(stderr, "decoding {} {}\n", info.container, info.decoder);
    for (const auto& n : info.notes) fmt::print(stderr, "note: {}\n", n);
    if (o.pipeline.empty())
      for (const StageInfo& st : stages)
        if (st.kind == StageKind::Sink) fmt::print(stderr, "writing {}\n", st.what);
  }
  long total = pipeline.source_info().frame_count;
  if (o.frames > 0 && (total < 0 || o.frames < total)) total = o.frames;
  const MediaInfo& info = pipeline.source_info();
  const bool timed = !info.codec.empty() || info.container == "y4m";  // stills and raw frames have no clock
  Progress progress(!o.quiet && (o.progress || isatty(2)), total, timed && info.frame_rate.valid() ? info.frame_rate.value() : 0);

  g_interrupted.store(false);
  struct sigaction sa {}, old_int {}, old_term {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  RunControl control;
  control.cancel = &g_interrupted;
  control.progress = [&](long frames, double s) { progress.update(frames, s); };
  Status s = pipeline.run(control);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  *interrupted = g_interrupted.load();

  const PipelineStats& st = pipeline.stats();
  if (s) progress.update(st.frames, st.seconds, true);
  else progress.end_line();
  if (o.stats) fmt::print(stderr, "{}", format_stats(st));
  if (!o.stats_json.empty()) {
    std::FILE* f = std::fopen(o.stats_json.c_str(), "w");
    if (!f) return io_error("--stats-json: cannot write '" + o.stats_json + "'");
    const std::string text = stats_to_json(st);
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) return io_error("--stats-json: cannot write '" + o.stats_json + "'");
  }
  if (!s) return s;
  if (!o.quiet) {
    for (const StageInfo& sink : stages) {
      if (sink.kind != StageKind::Sink) continue;
      // The output's name where the command line gave it, else what the sink is.
      fmt::print(stderr, "wrote {}: {} frame{} {}x{} {} in {:.2f} s ({:.1f} fps)\n", o.pipeline.empty() ? o.output : sink.what, st.frames,
                 st.frames == 1 ? "" : "s", sink.in.width, sink.in.height, format_name(sink.in.format), st.seconds,
                 st.seconds > 0 ? st.frames / st.seconds : 0.0);
    }
  }
  return Status::ok();
}

}  // namespace

int run_command(const RunOptions& o) {
  bool interrupted = false;
  Status s = run_job(o, &interrupted);
  if (s) return 0;
  print_error(s.message());
  if (interrupted) return 130;  // as shells report a job stopped by Ctrl-C (the message said "cancelled")
  return s.code() == StatusCode::InvalidArgument ? 2 : 1;
}

}  // namespace caldera::app
