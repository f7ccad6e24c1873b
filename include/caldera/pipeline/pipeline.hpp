// Pipelines: every job is a graph of stages (a source that reads and decodes, operators,
// models, sinks that encode and write) that run at the same time, each on its own thread(s)
// and, on a GPU, its own CUDA stream, so the slowest stage alone sets the pace.
//
//   PipelineSpec spec = *load_pipeline_file("examples/pipeline_resize.yaml");  // or built in C++
//   auto pipeline = Pipeline::create(std::move(spec));    // every check happens here
//   Status s = pipeline->run();                           // frames flow; threads end before it returns
//   fmt::print("{}", format_stats(pipeline->stats()));
//
// Frames pass between stages through bounded queues, and at most `frames_in_flight` frames are
// inside the pipeline at once, so a slow stage holds the others back instead of letting memory
// grow. Frame buffers come from per-stage pools and are reused; on a GPU, CUDA events order each
// buffer's producer before its consumers and its consumers before its next producer (no device-
// wide synchronisation). A stage with several workers (a CPU-heavy operator, an image-sequence
// writer) gets one filter or session per worker, and its frames are put back in order after it.
// Model stages take batches of N frames. The first error anywhere, or cancel(), stops every
// stage; run() returns that error after every thread has ended and every buffer is back.
//
// The schema of pipeline files (YAML or JSON) is in docs/pipeline.md; examples are in examples/.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/image.hpp"
#include "caldera/io/media.hpp"
#include "caldera/nn/model.hpp"
#include "caldera/status.hpp"

namespace caldera {

// Upload and Download are never written in a spec: they are added where frames must move
// between host and device memory, and appear in stage lists and statistics.
enum class StageKind { Source, Operator, Model, Sink, Upload, Download };
const char* stage_kind_name(StageKind kind);  // "source", "operator", ...

// One stage, as a pipeline file or C++ describes it. docs/pipeline.md lists which fields each
// kind takes.
struct StageSpec {
  std::string name;  // unique within the pipeline; errors and statistics name stages by it
  StageKind kind = StageKind::Operator;
  std::string input;   // the stage it takes frames from; empty: the stage listed before it
  std::string device;  // cpu, cuda or auto; empty: the pipeline's device
  int workers = 1;     // threads, each with its own filter / session / stream
  int queue = 0;       // capacity of the input queue in frames; 0: max(2, batch)

  // Source and sink: the file (a sink "null" drops its frames: for measuring the rest).
  std::string path;
  std::string raw_format, raw_size;        // source of raw frames: pixel format and WxH
  long frames = -1;                        // source: stop after this many frames
  std::unique_ptr<MediaSource> source;     // source: read from this object instead of `path`

  // Operator: a registered filter and its options ("resize", {{"w", "1280"}, {"h", "-1"}}).
  // Sink: the sink's options (jpeg_quality).
  std::string filter;
  std::map<std::string, std::string> options;

  // Model: a model name or path (nn::Model::load), frames per batch, and the normalisation
  // the model was trained with (input = (rgb - mean) / std, with rgb in [0, 1]).
  std::string model;
  std::shared_ptr<const nn::Model> loaded_model;  // model: use this one instead of loading `model`
  int batch = 1;
  std::array<float, 3> mean{0.f, 0.f, 0.f}, std{1.f, 1.f, 1.f};

  // Sink: write to this object instead of making one for `path`.
  std::unique_ptr<MediaSink> sink;
  // Sink: when the sink cannot hold the format it gets, a convert stage to the sink's
  // preferred format is added before it (the --vf path's behaviour) instead of an error.
  bool convert = false;
};

struct PipelineSpec {
  std::vector<StageSpec> stages;
  std::string device = "auto";  // stages' default: cpu, cuda or auto (the GPU where there is one)
  // Frames inside the pipeline at once, from the source's read to the last sink's write.
  // 0 chooses 2 per stage plus what batches and workers hold (see docs/pipeline.md).
  int frames_in_flight = 0;
};

struct PipelineOptions {
  const FilterRegistry* registry = nullptr;  // null: FilterRegistry::builtin()
  // One thread and one stream, each frame through every stage before the next is read: the
  // reference the asynchronous run is compared with.
  bool synchronous = false;
  // A source without frames finishes the sinks (empty outputs) instead of failing.
  bool allow_empty = false;
  // Sample the GPU's utilisation through NVML while the pipeline runs (when it uses a GPU).
  bool sample_gpu = true;
};

// A stage as built: what it does, where it runs, and the frames it takes and makes.
struct StageInfo {
  std::string name;
  StageKind kind = StageKind::Operator;
  std::string what;   // "resize 1280x720 bicubic", "y4m -> out.y4m", "host -> device"
  std::string input;  // the stage it takes frames from ("" for the source)
  bool on_gpu = false;
  int workers = 1, batch = 1, queue = 0;
  ImageDesc in{}, out{};
  MemoryKind out_memory = MemoryKind::Host;
  std::string note;  // why the pipeline added this stage ("out.png cannot hold nv12; converting to rgb24 for it")
};

struct StageStats {
  std::string name;
  StageKind kind = StageKind::Operator;
  bool on_gpu = false;
  int workers = 1;
  long frames = 0;             // frames the stage finished
  double busy_s = 0;           // inside the stage's work (wall time, summed over workers)
  double cpu_s = 0;            // CPU time of that work (less than busy_s when waiting on I/O or cores)
  double gpu_s = 0;            // GPU time of the work it queued (CUDA events); 0 on the CPU
  double wait_input_s = 0;     // waiting for frames (or for the GPU work that makes them)
  double wait_output_s = 0;    // blocked by the stages after it (full queues, frames in flight)
  int queue_capacity = 0;      // of its input queue (0 for the source)
  int queue_max = 0;           // the most frames that queue held
  double queue_mean = 0;       // time-weighted mean depth
  double fps = 0;              // frames / the job's wall time
  double load = 0;             // max(busy, gpu) / (workers x wall time): 1 means never idle
  double standalone_fps = 0;   // frames per second of work: frames x workers / max(busy, gpu)
};

struct GpuUtilisation {
  bool sampled = false;   // false without a GPU stage, a GPU, or NVML
  std::string note;       // why not, or "NVML, 100 ms samples"
  double mean_percent = 0, max_percent = 0;
  int samples = 0;
  // The samples taken once the first frame had left the pipeline (its last stage), without the
  // start-up (model loading, cuDNN's algorithm choice, the first frames filling the queues).
  double steady_mean_percent = 0;
  int steady_samples = 0;
};

struct PipelineStats {
  bool synchronous = false;
  double seconds = 0;          // wall time from the first read to the last write
  long frames = 0;             // frames the source read
  double fps = 0;
  std::vector<StageStats> stages;  // in pipeline order
  int limiting = -1;               // index into stages: the one with the highest load
  int frames_in_flight_limit = 0;
  int frames_in_flight_max = 0;    // the most frames that were inside at once
  long buffers = 0;                // frame buffers the pools made
  size_t buffer_bytes = 0;         // their total size
  long buffers_outstanding = 0;    // buffers not back in their pool when run() returned (0)
  GpuUtilisation gpu;
};

// The statistics as a table, one row per stage, then the limiting stage and the GPU.
std::string format_stats(const PipelineStats& stats);
// The same as JSON (the fields of PipelineStats and StageStats, by their names).
std::string stats_to_json(const PipelineStats& stats);

struct RunControl {
  // Polled every ~50 ms (between frames when synchronous): true stops the job with Cancelled.
  // May be set from a signal handler.
  const std::atomic<bool>* cancel = nullptr;
  // Called on run()'s thread about every `progress_interval_s` with the frames the sinks have
  // written so far and the seconds since the start.
  std::function<void(long frames, double seconds)> progress;
  double progress_interval_s = 0.25;
};

class Pipeline {
 public:
  // Builds and checks everything before a frame moves: every stage's kind and fields, the
  // graph (one source, every stage reaching a sink, no cycle), filters and their options,
  // models, each stage's input format against what the stage before makes, devices and
  // worker counts. Opens the source (to know its frames); sinks create nothing until run().
  // Errors name the stage and the field.
  static Result<Pipeline> create(PipelineSpec spec, const PipelineOptions& options = {});
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  const std::vector<StageInfo>& stages() const;
  std::string describe() const;  // one line per stage
  const MediaInfo& source_info() const;

  // Runs the job once. Every thread has ended and every buffer is back when it returns.
  Status run(const RunControl& control = {});
  // From any thread: run() stops soon with a Cancelled status.
  void cancel();
  // Of the last run (also after a failure).
  const PipelineStats& stats() const;

  struct Impl;

 private:
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Pipeline files: YAML (.yaml, .yml) or JSON (.json), one schema (docs/pipeline.md). Relative
// paths in the file are taken as they are (from the working directory), like the command line's.
Result<PipelineSpec> load_pipeline_file(const std::string& path);
// The same from text; `name` is used in messages, `json` picks the parser.
Result<PipelineSpec> parse_pipeline(const std::string& text, const std::string& name, bool json);

}  // namespace caldera
