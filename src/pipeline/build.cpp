// From a spec to a graph that can run: the structure is checked (names, inputs, one source,
// no cycle, every stage reaching a sink), then each stage in order is made and planned against
// the frames the stage before it makes (format, size, memory), with copies between host and
// device memory added where a stage needs its frames elsewhere. Only then are contexts, pools
// and workers made. Every error names the stage and, where there is one, the field.
#include <algorithm>
#include <set>

#include "pipeline/graph.hpp"

namespace caldera::pipeline {
namespace {

std::string desc_text(const ImageDesc& d) {
  return std::to_string(d.width) + "x" + std::to_string(d.height) + " " + format_name(d.format);
}

std::string stage_ref(const StageSpec& s) { return "stage '" + s.name + "'"; }

Status field_error(const StageSpec& s, const char* field, const Status& st) {
  return st.with_context(stage_ref(s) + ": field '" + field + "'");
}

// NVDEC surfaces a device-decoding source may hand over before it needs one back (FFmpeg adds
// them to the decoder's pool, on top of the stream's reference frames; NVDEC has at most 32),
// and how many of them stay free for frames released but not yet collected by their pool.
constexpr int kNvdecSurfacesHeld = 12;
constexpr int kNvdecSurfaceMargin = 2;

// A sink stage's `options` into SinkOptions: one line per option a sink knows.
Status apply_sink_option(SinkOptions& so, const std::string& key, const std::string& value) {
  FilterOptions o("sink", {{key, value}});
  if (key == "jpeg_quality") {
    CALDERA_ASSIGN_OR_RETURN(so.jpeg_quality, o.integer(key, so.jpeg_quality));
  } else if (key == "image_format") {
    so.image_format = value;
  } else if (key == "codec") {
    so.codec = value;
  } else if (key == "encoder") {
    so.encoder = value;
  } else if (key == "crf") {
    CALDERA_ASSIGN_OR_RETURN(so.crf, o.real(key, so.crf));
  } else if (key == "bitrate") {
    CALDERA_ASSIGN_OR_RETURN(so.bitrate, parse_bitrate(value));
  } else if (key == "preset") {
    so.preset = value;
  } else if (key == "gop") {
    CALDERA_ASSIGN_OR_RETURN(so.gop, o.integer(key, so.gop));
  } else if (key == "pix_fmt") {
    so.pixel_format = value;
  } else if (key == "threads") {
    CALDERA_ASSIGN_OR_RETURN(so.threads, o.integer(key, so.threads));
  } else {
    return invalid_argument("unknown sink option '" + key +
                            "' (known: jpeg_quality, image_format, codec, encoder, crf, bitrate, preset, gop, pix_fmt, threads)");
  }
  return Status::ok();
}

// A source stage's `options` into SourceOptions (video files; the other sources take none).
// `decode` is handled by the planner (it decides on the decoding context).
Status apply_source_option(SourceOptions& so, const std::string& key, const std::string& value) {
  FilterOptions o("source", {{key, value}});
  if (key == "start") {
    CALDERA_ASSIGN_OR_RETURN(so.start_seconds, o.real(key, 0));
    if (so.start_seconds < 0) return invalid_argument("start " + value + " is negative");
  } else if (key == "duration") {
    CALDERA_ASSIGN_OR_RETURN(so.duration_seconds, o.real(key, -1));
    if (!(so.duration_seconds > 0)) return invalid_argument("duration " + value + " is not positive");
  } else if (key == "copy_streams") {
    if (value != "all" && value != "none") return invalid_argument("copy_streams '" + value + "' (use all or none)");
    so.copy_streams = value == "all";
  } else if (key != "decode") {
    return invalid_argument("unknown source option '" + key + "' (known: start, duration, decode, copy_streams)");
  }
  return Status::ok();
}

// One node as planned, before anything that holds resources exists.
struct PlannedNode {
  StageInfo info;
  int input = -1;
  StageSpec* spec = nullptr;            // null for nodes the pipeline added
  std::unique_ptr<Filter> filter;       // operators: the checked first instance
  FilterSpec filter_spec;               // operators: to make one per worker
  std::shared_ptr<const nn::Model> model;
  std::shared_ptr<MediaSink> sink;
  bool has_pool = false;
  MemoryKind pool_memory = MemoryKind::Host;
  bool view = false;
};

struct Planner {
  Planner(PipelineSpec& s, const PipelineOptions& o, const FilterRegistry& r, Graph& g)
      : spec(s), options(o), registry(r), graph(g) {}

  PipelineSpec& spec;
  const PipelineOptions& options;
  const FilterRegistry& registry;
  Graph& graph;
  bool gpu_available = false;
  std::vector<PlannedNode> nodes;
  std::unique_ptr<MediaSource> source;
  Context* source_context = nullptr;  // a device-decoding source's context (in the graph)

  // The node an added stage (copy, conversion) goes into, in front of `consumer`'s stage.
  int add_node(PlannedNode n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }

  Result<bool> on_gpu(const StageSpec& s) const {
    const std::string d = s.device.empty() ? spec.device : s.device;
    auto choice = parse_device_choice(d);
    if (!choice) return field_error(s, "device", choice.status());
    if (*choice == DeviceChoice::Cpu) return false;
    if (*choice == DeviceChoice::Cuda && !gpu_available)
      return field_error(s, "device", unavailable("cuda: " + cuda_unavailable_reason()));
    return gpu_available;
  }

  // Moves frames of node `from` to `memory`: returns `from`, or a copy stage added after it.
  int to_memory(int from, bool device, const std::string& consumer) {
    const bool there = nodes[from].info.out_memory == MemoryKind::Device;
    if (there == device) return from;
    PlannedNode n;
    n.info.kind = device ? StageKind::Upload : StageKind::Download;
    n.info.name = consumer + (device ? ".upload" : ".download");
    n.info.what = device ? "host -> device" : "device -> host";
    n.info.input = nodes[from].info.name;
    n.info.on_gpu = true;
    n.info.in = n.info.out = nodes[from].info.out;
    n.info.out_memory = device ? MemoryKind::Device : MemoryKind::PinnedHost;
    n.info.queue = 2;
    n.info.note = consumer + " takes frames in " + (device ? "device" : "host") + " memory";
    n.input = from;
    n.has_pool = true;
    n.pool_memory = n.info.out_memory;
    return add_node(std::move(n));
  }

  Status plan_source(StageSpec& s) {
    if (s.workers != 1) return field_error(s, "workers", invalid_argument("a source reads frames in order with one worker"));
    CALDERA_ASSIGN_OR_RETURN(bool gpu, on_gpu(s));
    if (s.source) {
      source = std::move(s.source);
    } else {
      if (s.path.empty()) return field_error(s, "path", invalid_argument("a source needs a file to read"));
      SourceOptions so;
      so.raw_format = s.raw_format;
      so.raw_size = s.raw_size;
      so.frames_held = kNvdecSurfacesHeld;
      for (const auto& [k, v] : s.options) CALDERA_RETURN_IF_ERROR(field_error(s, "options", apply_source_option(so, k, v)));
      const std::string decode = s.options.count("decode") ? s.options.at("decode") : "auto";
      if (decode != "auto" && decode != "nvdec" && decode != "cpu")
        return field_error(s, "options", invalid_argument("decode '" + decode + "' (use auto, nvdec or cpu)"));
      if (decode == "nvdec" && !gpu)
        return field_error(s, "options", invalid_argument("decode nvdec needs the source on a GPU (device cuda)"));
      if (gpu && decode != "cpu") {
        // Made where it stays: the source keeps this pointer.
        auto ctx = Context::cuda(0, 0);
        if (!ctx) return field_error(s, "device", ctx.status());
        source_context = &graph.contexts.emplace_back(std::move(ctx).value());
        so.decode_context = source_context;
      }
      auto opened = open_media_source(s.path, so);
      if (!opened) return field_error(s, "path", opened.status());
      source = std::move(opened).value();
    }
    if (s.frames == 0 || s.frames < -1) return field_error(s, "frames", invalid_argument("must be positive"));
    const MediaInfo& info = source->info();
    CALDERA_RETURN_IF_ERROR(validate_desc(info.desc, "source frames").with_context(stage_ref(s)));
    if (info.size_varies)
      return field_error(s, "path", unsupported("its images differ in size, and a pipeline's buffers have one size: "
                                                "run them with --vf (caldera run takes them one by one)"));
    if (s.options.count("decode") && s.options.at("decode") == "nvdec" && info.memory != MemoryKind::Device)
      return field_error(s, "options", unsupported("decode nvdec: NVDEC cannot decode it (" + info.decoder + ")"));
    // The source works on the CPU unless it decodes into device memory.
    if (info.memory != MemoryKind::Device) source_context = nullptr;
    PlannedNode n;
    n.spec = &s;
    n.info.kind = StageKind::Source;
    n.info.name = s.name;
    n.info.what = (s.path.empty() ? std::string("reader") : s.path) + " (" +
                  (info.container.empty() ? "frames" : info.container) +
                  (info.decoder.empty() ? "" : ", " + info.decoder) + ")";
    n.info.on_gpu = info.memory == MemoryKind::Device;
    n.info.in = n.info.out = info.desc;
    n.info.out_memory = info.memory;
    n.has_pool = true;
    n.pool_memory = info.memory;
    add_node(std::move(n));
    return Status::ok();
  }

  Status plan_operator(StageSpec& s, int from) {
    if (s.filter.empty()) return field_error(s, "filter", invalid_argument("an operator needs a filter (" + registry.known_names() + ")"));
    FilterSpec fs{s.filter, s.options};
    if (s.filter.find('=') != std::string::npos) {
      // "resize=w=1280:h=720": the --vf form of one filter.
      auto specs = parse_filter_specs(s.filter, registry);
      if (!specs) return field_error(s, "filter", specs.status());
      if (specs->size() != 1) return field_error(s, "filter", invalid_argument("names " + std::to_string(specs->size()) + " filters; a stage runs one"));
      fs = (*specs)[0];
      for (const auto& [k, v] : s.options) {
        if (fs.options.count(k)) return field_error(s, "options", invalid_argument("'" + k + "' is also given in the filter text"));
        fs.options[k] = v;
      }
    }
    if (!registry.find(fs.name))
      return field_error(s, "filter", invalid_argument("unknown filter '" + fs.name + "' (known: " + registry.known_names() + ")"));
    auto made = registry.make(fs.name, fs.options);
    if (!made) return field_error(s, "options", made.status());
    std::unique_ptr<Filter> filter = std::move(made).value();
    PlannedNode n;
    n.spec = &s;
    n.view = filter->is_view();
    if (n.view && s.workers != 1)
      return field_error(s, "workers", invalid_argument(filter->describe() + " only takes a view of its input: one worker"));
    CALDERA_ASSIGN_OR_RETURN(bool gpu, on_gpu(s));
    // A view works wherever its input is; everything else runs where its device says.
    if (!n.view) from = to_memory(from, gpu, s.name);
    const StageInfo& prev = nodes[from].info;
    auto planned = filter->plan(prev.out);
    if (!planned)
      return planned.status().with_context(stage_ref(s) + " (" + filter->describe() + "): cannot take " +
                                           desc_text(prev.out) + " frames from stage '" + prev.name + "'");
    n.info.kind = StageKind::Operator;
    n.info.name = s.name;
    n.info.what = filter->describe();
    n.info.input = prev.name;
    n.info.on_gpu = n.view ? prev.on_gpu : gpu;
    n.info.in = prev.out;
    n.info.out = *planned;
    n.info.out_memory = n.view ? prev.out_memory : (gpu ? MemoryKind::Device : MemoryKind::Host);
    n.input = from;
    n.filter = std::move(filter);
    n.filter_spec = std::move(fs);
    n.has_pool = !n.view;
    n.pool_memory = n.info.out_memory;
    add_node(std::move(n));
    return Status::ok();
  }

  Status plan_model(StageSpec& s, int from) {
    if (s.batch < 1) return field_error(s, "batch", invalid_argument("must be at least 1"));
    for (int c = 0; c < 3; ++c)
      if (!(s.std[c] > 0)) return field_error(s, "std", invalid_argument("values must be positive"));
    auto model = s.loaded_model ? Result<std::shared_ptr<const nn::Model>>(s.loaded_model) : load_stage_model(s.model);
    if (!model) return field_error(s, "model", model.status());
    CALDERA_ASSIGN_OR_RETURN(bool gpu, on_gpu(s));
    from = to_memory(from, gpu, s.name);
    const StageInfo& prev = nodes[from].info;
    auto planned = plan_model_stage(**model, s.batch, prev.out);
    if (!planned)
      return planned.status().with_context(stage_ref(s) + " (model " + (*model)->name() + "): cannot take " +
                                           desc_text(prev.out) + " frames from stage '" + prev.name + "'");
    PlannedNode n;
    n.spec = &s;
    n.info.kind = StageKind::Model;
    n.info.name = s.name;
    n.info.what = "model " + (*model)->name();
    n.info.input = prev.name;
    n.info.on_gpu = gpu;
    n.info.in = prev.out;
    n.info.out = *planned;
    n.info.out_memory = gpu ? MemoryKind::Device : MemoryKind::Host;
    n.info.batch = s.batch;
    n.input = from;
    n.model = std::move(model).value();
    n.has_pool = true;
    n.pool_memory = n.info.out_memory;
    add_node(std::move(n));
    return Status::ok();
  }

  Status plan_sink(StageSpec& s, int from) {
    std::shared_ptr<MediaSink> sink;
    if (s.sink) {
      sink = std::move(s.sink);
    } else {
      if (s.path.empty()) return field_error(s, "path", invalid_argument("a sink needs a file to write"));
      SinkOptions so;
      for (const auto& [k, v] : s.options) CALDERA_RETURN_IF_ERROR(field_error(s, "options", apply_sink_option(so, k, v)));
      CALDERA_ASSIGN_OR_RETURN(bool gpu, on_gpu(s));
      if (gpu) {
        // A video sink on a GPU tries NVENC first, which takes device frames on this context.
        auto ctx = Context::cuda(0, 0);
        if (!ctx) return field_error(s, "device", ctx.status());
        so.encode_context = &graph.contexts.emplace_back(std::move(ctx).value());
      }
      auto made = make_media_sink(s.path, so);
      if (!made) return field_error(s, "path", made.status());
      sink = std::move(made).value();
    }
    if (!sink->accepts(nodes[from].info.out.format)) {
      const PixelFormat target = sink->preferred(nodes[from].info.out);
      if (!s.convert)
        return unsupported(stage_ref(s) + " (" + sink->describe() + "): cannot write " +
                           format_name(nodes[from].info.out.format) + " frames from stage '" + nodes[from].info.name +
                           "': add an operator stage before it (filter: convert, options: {format: " +
                           format_name(target) + "}) or set convert: true");
      auto convert = registry.make("convert", {{"format", format_name(target)}});
      if (!convert) return convert.status().with_context(stage_ref(s) + ": adding a conversion");
      const StageInfo& prev = nodes[from].info;
      auto planned = (*convert)->plan(prev.out);
      if (!planned) return planned.status().with_context(stage_ref(s) + ": adding a conversion");
      PlannedNode c;
      c.info.kind = StageKind::Operator;
      c.info.name = s.name + ".convert";
      c.info.what = (*convert)->describe();
      c.info.input = prev.name;
      c.info.on_gpu = prev.out_memory == MemoryKind::Device;
      c.info.in = prev.out;
      c.info.out = *planned;
      c.info.out_memory = c.info.on_gpu ? MemoryKind::Device : MemoryKind::Host;
      c.info.queue = 2;
      c.info.note = (s.path.empty() ? sink->describe() : s.path) + " cannot hold " + format_name(prev.out.format) +
                    "; converting to " + format_name(target) + " for it";
      c.input = from;
      c.filter = std::move(convert).value();
      c.filter_spec = {"convert", {{"format", format_name(target)}}};
      c.has_pool = true;
      c.pool_memory = c.info.out_memory;
      from = add_node(std::move(c));
    }
    if (!sink->accepts_memory(nodes[from].info.out_memory)) from = to_memory(from, false, s.name);
    if (s.workers > sink->parallel_writers())
      return field_error(s, "workers", invalid_argument(sink->describe() + " takes frames in order from " +
                                                        (sink->parallel_writers() == 1 ? std::string("one writer")
                                                                                      : std::to_string(sink->parallel_writers()) + " writers at most")));
    PlannedNode n;
    n.spec = &s;
    n.info.kind = StageKind::Sink;
    n.info.name = s.name;
    n.info.what = sink->describe();
    n.info.input = nodes[from].info.name;
    n.info.in = n.info.out = nodes[from].info.out;
    n.info.out_memory = nodes[from].info.out_memory;
    n.input = from;
    n.sink = std::move(sink);
    add_node(std::move(n));
    return Status::ok();
  }
};

struct Structure {
  std::vector<int> order;  // the source first, every stage after the one it takes frames from
  std::vector<int> input;  // per stage: the stage it takes frames from (-1 for the source)
};

// Names, inputs, the single source, cycles and dead ends; the stages' order for planning.
Result<Structure> check_structure(PipelineSpec& spec) {
  std::vector<StageSpec>& st = spec.stages;
  if (st.empty()) return invalid_argument("pipeline: field 'stages': no stages");
  std::map<std::string, int> by_name;
  std::map<std::string, int> kind_count;
  for (size_t i = 0; i < st.size(); ++i) {
    StageSpec& s = st[i];
    if (s.name.empty()) {
      // Unnamed stages (C++ specs) are named by what they are: "resize", "resize#2", "sink".
      std::string base = s.kind == StageKind::Operator && !s.filter.empty() ? s.filter.substr(0, s.filter.find('='))
                                                                            : stage_kind_name(s.kind);
      const int k = ++kind_count[base];
      s.name = k == 1 ? base : base + "#" + std::to_string(k);
    }
    if (s.kind == StageKind::Upload || s.kind == StageKind::Download)
      return invalid_argument(stage_ref(s) + ": field 'type': " + stage_kind_name(s.kind) +
                              " stages are added by the pipeline where needed, not written");
    if (!by_name.emplace(s.name, static_cast<int>(i)).second)
      return invalid_argument("stage name '" + s.name + "' is used by stages " + std::to_string(by_name[s.name] + 1) +
                              " and " + std::to_string(i + 1));
  }
  std::vector<int> input(st.size(), -1);
  int source = -1;
  for (size_t i = 0; i < st.size(); ++i) {
    StageSpec& s = st[i];
    if (s.workers < 1) return invalid_argument(stage_ref(s) + ": field 'workers': must be at least 1");
    if (s.queue < 0) return invalid_argument(stage_ref(s) + ": field 'queue': must be positive (or 0 for the default)");
    if (s.kind != StageKind::Model && s.batch != 1)
      return invalid_argument(stage_ref(s) + ": field 'batch': only model stages take batches");
    if (s.kind == StageKind::Source) {
      if (source >= 0) return invalid_argument(stage_ref(s) + ": a pipeline has one source, and '" + st[source].name + "' is one");
      if (!s.input.empty()) return invalid_argument(stage_ref(s) + ": field 'input': a source takes no input");
      source = static_cast<int>(i);
      continue;
    }
    if (s.input.empty()) {
      if (i == 0) return invalid_argument(stage_ref(s) + ": field 'input': no stage before it to take frames from");
      input[i] = static_cast<int>(i) - 1;
    } else {
      auto it = by_name.find(s.input);
      if (it == by_name.end()) return invalid_argument(stage_ref(s) + ": field 'input': no stage is named '" + s.input + "'");
      input[i] = it->second;
    }
    if (st[input[i]].kind == StageKind::Sink)
      return invalid_argument(stage_ref(s) + ": field 'input': '" + st[input[i]].name + "' is a sink, which passes no frames on");
  }
  if (source < 0) return invalid_argument("pipeline: no source stage (type: source) to read frames from");
  // Following inputs from any stage ends at the source unless it runs into a loop.
  for (size_t i = 0; i < st.size(); ++i) {
    std::vector<int> path;
    int at = static_cast<int>(i);
    while (at >= 0 && at != source) {
      if (std::find(path.begin(), path.end(), at) != path.end()) {
        std::string loop;
        auto from = std::find(path.begin(), path.end(), at);
        for (auto it = from; it != path.end(); ++it) loop = "'" + st[*it].name + "' <- " + loop;
        return invalid_argument("stages " + loop + "'" + st[at].name + "' form a cycle (each takes its frames from the next)");
      }
      path.push_back(at);
      at = input[at];
    }
  }
  std::vector<std::vector<int>> consumers(st.size());
  for (size_t i = 0; i < st.size(); ++i)
    if (input[i] >= 0) consumers[input[i]].push_back(static_cast<int>(i));
  if (std::none_of(st.begin(), st.end(), [](const StageSpec& s) { return s.kind == StageKind::Sink; }))
    return invalid_argument("pipeline: no sink stage (type: sink) to write frames to");
  for (size_t i = 0; i < st.size(); ++i)
    if (st[i].kind != StageKind::Sink && consumers[i].empty())
      return invalid_argument(stage_ref(st[i]) + ": nothing takes its frames (every stage must lead to a sink)");
  // Depth-first from the source, siblings in the order they are listed.
  std::vector<int> order;
  std::vector<int> todo{source};
  while (!todo.empty()) {
    const int at = todo.back();
    todo.pop_back();
    order.push_back(at);
    for (auto it = consumers[at].rbegin(); it != consumers[at].rend(); ++it) todo.push_back(*it);
  }
  return Structure{std::move(order), std::move(input)};
}

}  // namespace

Result<std::unique_ptr<Graph>> build_graph(PipelineSpec spec, const PipelineOptions& options) {
  const FilterRegistry& registry = options.registry ? *options.registry : FilterRegistry::builtin();
  CALDERA_RETURN_IF_ERROR(registry.init_status());
  CALDERA_RETURN_IF_ERROR(parse_device_choice(spec.device).status().with_context("pipeline: field 'device'"));
  if (spec.frames_in_flight < 0) return invalid_argument("pipeline: field 'frames_in_flight': must be positive (or 0 to choose)");
  CALDERA_ASSIGN_OR_RETURN(Structure structure, check_structure(spec));

  auto g = std::make_unique<Graph>();
  Planner p(spec, options, registry, *g);
  // Asking CUDA whether there is a GPU starts its driver, which is slow on a big GPU machine (the
  // CPU-decode benchmark there lost a fixed ~0.2 s per run, likely this): a job whose stages are
  // all on the CPU does not ask.
  bool wants_gpu = false;
  for (const StageSpec& s : spec.stages) wants_gpu = wants_gpu || (s.device.empty() ? spec.device : s.device) != "cpu";
  p.gpu_available = wants_gpu && cuda_device_count() > 0;
  std::vector<int> node_of(spec.stages.size(), -1);  // a stage's own node
  for (int i : structure.order) {
    StageSpec& s = spec.stages[i];
    const int from = structure.input[i] >= 0 ? node_of[structure.input[i]] : -1;
    switch (s.kind) {
      case StageKind::Source: CALDERA_RETURN_IF_ERROR(p.plan_source(s)); break;
      case StageKind::Operator: CALDERA_RETURN_IF_ERROR(p.plan_operator(s, from)); break;
      case StageKind::Model: CALDERA_RETURN_IF_ERROR(p.plan_model(s, from)); break;
      case StageKind::Sink: CALDERA_RETURN_IF_ERROR(p.plan_sink(s, from)); break;
      default: return internal_error("build_graph: stage kind");
    }
    node_of[i] = static_cast<int>(p.nodes.size()) - 1;
  }

  // Host frames that are copied to the GPU live in pinned memory, so the copies run
  // asynchronously at full speed (a view's frames are its input's).
  for (PlannedNode& n : p.nodes) {
    if (n.info.kind != StageKind::Upload) continue;
    int at = n.input;
    while (at >= 0 && p.nodes[at].view) at = p.nodes[at].input;
    if (at >= 0 && p.nodes[at].pool_memory == MemoryKind::Host) p.nodes[at].pool_memory = MemoryKind::PinnedHost;
  }

  g->synchronous = options.synchronous;
  g->allow_empty = options.allow_empty;
  g->sample_gpu = options.sample_gpu;
  g->source_info = p.source->info();
  // The frames that batches (and workers filling batches) hold while they wait for more; with
  // fewer frames in flight than that, a batch could wait forever.
  int held = 0, stages = 0;
  for (const PlannedNode& n : p.nodes) {
    const int workers = n.spec ? n.spec->workers : 1;
    held += workers * (n.info.batch - 1);
    stages += workers;
  }
  const int needed = held + 1;
  if (spec.frames_in_flight > 0 && spec.frames_in_flight < needed)
    return invalid_argument("pipeline: field 'frames_in_flight': " + std::to_string(spec.frames_in_flight) +
                            " is too few: the model batches can hold " + std::to_string(held) +
                            " frames while they fill, so at least " + std::to_string(needed) + " are needed");
  g->frames_in_flight = spec.frames_in_flight > 0 ? spec.frames_in_flight : std::max(4, 2 * stages + held);
  // NVDEC's frames are its own surfaces, handed over without a copy: no more may be inside the
  // pipeline than the decoder was given room for (see kNvdecSurfacesHeld).
  if (g->source_info.memory == MemoryKind::Device && g->source_info.decoder.find("NVDEC") != std::string::npos) {
    const int most = kNvdecSurfacesHeld - kNvdecSurfaceMargin;
    if (spec.frames_in_flight > most || needed > most)
      return invalid_argument("pipeline: field 'frames_in_flight': with NVDEC decoding at most " + std::to_string(most) +
                              " frames can be inside the pipeline (the decoder's surfaces), and this one needs " +
                              std::to_string(std::max(spec.frames_in_flight, needed)));
    g->frames_in_flight = std::min(g->frames_in_flight, most);
  }

  // Contexts: in a synchronous run every GPU stage shares one stream; otherwise each worker of
  // a GPU stage has its own. CPU stages need none of their own (a CPU context holds nothing).
  Context* shared_gpu = nullptr;
  Context* cpu = &g->contexts.emplace_back();
  for (const PlannedNode& n : p.nodes) g->uses_gpu = g->uses_gpu || n.info.on_gpu;
  if (g->uses_gpu) g->gpu_device = 0;
  if (options.synchronous && g->uses_gpu) {
    CALDERA_ASSIGN_OR_RETURN(Context c, Context::cuda(0));
    shared_gpu = &g->contexts.emplace_back(std::move(c));
  }
  Context* source_ctx = p.source_context ? p.source_context : cpu;

  for (PlannedNode& pn : p.nodes) {
    Node& n = g->nodes.emplace_back();
    n.info = pn.info;
    n.input = pn.input;
    n.reads_pixels = !pn.view;
    const int workers = pn.spec ? pn.spec->workers : 1;
    n.info.workers = workers;
    n.info.queue = pn.spec && pn.spec->queue > 0 ? pn.spec->queue : std::max(2, n.info.batch);
    if (pn.info.kind == StageKind::Source) n.info.queue = 0;
    if (pn.has_pool) {
      n.info.out_memory = pn.pool_memory;
      n.pool = std::make_shared<BufferPool>(pn.info.out, pn.pool_memory);
    }
    const bool gpu_work = n.info.on_gpu && !pn.view && n.info.kind != StageKind::Sink && n.info.kind != StageKind::Source;
    for (int w = 0; w < workers; ++w) {
      Context* ctx = cpu;
      if (n.info.kind == StageKind::Source) {
        ctx = source_ctx;
      } else if (gpu_work) {
        if (shared_gpu) {
          ctx = shared_gpu;
        } else {
          const bool transfer = n.info.kind == StageKind::Upload || n.info.kind == StageKind::Download;
          auto c = Context::cuda(0, transfer ? 0 : Context::kDefaultWorkspaceBytes);
          if (!c) return c.status().with_context("stage '" + n.info.name + "'");
          ctx = &g->contexts.emplace_back(std::move(c).value());
        }
      }
      n.contexts.push_back(ctx);
    }
    switch (n.info.kind) {
      case StageKind::Source:
        n.media_source = std::move(p.source);
        n.source = make_source_worker(*n.media_source, pn.spec->frames, n.pool);
        break;
      case StageKind::Operator:
        for (int w = 0; w < workers; ++w) {
          std::unique_ptr<Filter> f;
          if (w == 0) {
            f = std::move(pn.filter);
          } else {
            auto made = registry.make(pn.filter_spec.name, pn.filter_spec.options);
            if (!made) return made.status().with_context("stage '" + n.info.name + "'");
            f = std::move(made).value();
          }
          n.workers.push_back(make_filter_worker(std::move(f), n.pool));
        }
        break;
      case StageKind::Model:
        for (int w = 0; w < workers; ++w)
          n.workers.push_back(make_model_worker(pn.model, n.info.batch, n.info.in, pn.spec->mean, pn.spec->std, n.pool));
        break;
      case StageKind::Sink:
        n.sink = pn.sink;
        for (int w = 0; w < workers; ++w) n.workers.push_back(make_sink_worker(pn.sink));
        break;
      case StageKind::Upload:
      case StageKind::Download: n.workers.push_back(make_transfer_worker(n.pool)); break;
    }
  }
  for (size_t i = 0; i < g->nodes.size(); ++i)
    if (g->nodes[i].input >= 0) g->nodes[g->nodes[i].input].consumers.push_back(static_cast<int>(i));
  return g;
}

}  // namespace caldera::pipeline
