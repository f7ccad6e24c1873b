// `caldera run`: frames from a file, through the operator chain (on the GPU where there is one),
// into a file. One frame at a time on one stream; the asynchronous pipeline is a later stage.
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "caldera/commands.hpp"
#include "caldera/device_info.hpp"
#include "caldera/filter.hpp"
#include "caldera/io/media.hpp"

namespace caldera::app {
namespace {

using Clock = std::chrono::steady_clock;

class Progress {
 public:
  Progress(bool enabled, long total) : enabled_(enabled), total_(total), start_(Clock::now()), last_(start_) {}
  // `media_seconds`: how far into the video the frames reach (-1 when the input has no timing).
  void update(long frames, double media_seconds = -1, bool final = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    const double fps = s > 0 ? frames / s : 0;
    std::string line = fmt::format("frame {}", frames);
    if (total_ > 0) {
      line += fmt::format("/{} {:3.0f}%", total_, 100.0 * frames / total_);
      if (fps > 0 && !final) line += fmt::format("  ETA {:.1f}s", (total_ - frames) / fps);
    }
    line += fmt::format("  {:.1f} fps", fps);
    // Speed as FFmpeg prints it: seconds of video per second of work.
    if (media_seconds > 0 && s > 0) line += fmt::format("  speed {:.2f}x", media_seconds / s);
    fmt::print(stderr, "\r{:<72}{}", line, final ? "\n" : "");
  }

 private:
  bool enabled_;
  long total_;
  Clock::time_point start_, last_;
};

std::string where(const Context& ctx) {
  if (!ctx.is_cuda()) return "cpu";
  const SystemInfo info = probe_system();
  for (const auto& d : info.devices)
    if (d.index == ctx.device()) return fmt::format("cuda:{} ({})", d.index, d.name);
  return fmt::format("cuda:{}", ctx.device());
}

Result<int64_t> parse_bitrate(const std::string& s) {
  if (s.empty()) return int64_t{0};
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  double scale = 1;
  if (end && (*end == 'k' || *end == 'K')) scale = 1e3, ++end;
  else if (end && (*end == 'm' || *end == 'M')) scale = 1e6, ++end;
  if (!end || *end != '\0' || !(v > 0)) return invalid_argument("--bitrate '" + s + "' is not a rate such as 8M or 2500k");
  return static_cast<int64_t>(v * scale);
}

Status run_job(const RunOptions& o) {
  CALDERA_ASSIGN_OR_RETURN(DeviceChoice choice, parse_device_choice(o.device));
  CALDERA_ASSIGN_OR_RETURN(Context ctx, Context::create(choice));
  if (o.decode == "nvdec" && !ctx.is_cuda())
    return invalid_argument("--decode nvdec needs the job on a GPU (--device cuda): " + cuda_unavailable_reason());
  SourceOptions so;
  so.raw_format = o.input_format;
  so.raw_size = o.size;
  so.start_seconds = o.start;
  so.duration_seconds = o.duration;
  // Nothing to copy into: the null output takes frames only.
  so.copy_streams = o.copy_streams != "none" && o.output != kNullSinkName;
  if (ctx.is_cuda() && o.decode != "cpu") so.decode_context = &ctx;
  CALDERA_ASSIGN_OR_RETURN(auto source, open_media_source(o.input, so));
  if (o.decode == "nvdec" && source->info().memory != MemoryKind::Device)
    return unsupported(o.input + ": NVDEC cannot decode it (" + source->info().decoder + ")");
  SinkOptions sink_options;
  sink_options.jpeg_quality = o.jpeg_quality;
  sink_options.image_format = o.image_format;
  sink_options.codec = o.codec;
  sink_options.encoder = o.encoder;
  sink_options.crf = o.crf;
  sink_options.preset = o.preset;
  sink_options.gop = o.gop;
  sink_options.pixel_format = o.pixel_format;
  CALDERA_ASSIGN_OR_RETURN(sink_options.bitrate, parse_bitrate(o.bitrate));
  if (ctx.is_cuda()) sink_options.encode_context = &ctx;
  CALDERA_ASSIGN_OR_RETURN(auto sink, make_media_sink(o.output, sink_options));
  FilterChain chain;
  if (!o.chain.empty()) {
    auto parsed = parse_filter_chain(o.chain);
    if (!parsed) return parsed.status().with_context("--vf");
    chain = std::move(parsed).value();
  }

  const MediaInfo& info = source->info();
  const ImageDesc in_desc = info.desc;
  ChainRunner runner(chain, ctx);
  CALDERA_RETURN_IF_ERROR(runner.prepare(in_desc, ctx.memory()));
  if (!sink->accepts(runner.output_desc().format)) {
    const PixelFormat target = sink->preferred(runner.output_desc());
    if (!o.quiet)
      fmt::print(stderr, "note: {} cannot hold {}; converting to {} for it\n", o.output,
                 format_name(runner.output_desc().format), format_name(target));
    CALDERA_ASSIGN_OR_RETURN(auto convert, FilterRegistry::builtin().make("convert", {{"format", format_name(target)}}));
    chain.filters.push_back(std::move(convert));
    CALDERA_RETURN_IF_ERROR(runner.prepare(in_desc, ctx.memory()));
  }
  const ImageDesc out_desc = runner.output_desc();
  CALDERA_RETURN_IF_ERROR(sink->open(out_desc, info));

  // Host frames are pinned when a GPU is used, so uploads and downloads run at full speed. Frames
  // that a decoder leaves on the GPU skip the upload; a sink that takes device frames (NVENC)
  // skips the download.
  const MemoryKind staging = ctx.is_cuda() ? MemoryKind::PinnedHost : MemoryKind::Host;
  const bool frames_on_device = info.memory == MemoryKind::Device;
  const bool sink_on_device = ctx.is_cuda() && sink->accepts_memory(MemoryKind::Device);
  Frame in, out;
  Image in_dev, out_dev;
  // Buffers for frames of one description; again when a folder of images changes size.
  auto allocate = [&](const ImageDesc& in_d, const ImageDesc& out_d) -> Status {
    if (!frames_on_device) {
      CALDERA_ASSIGN_OR_RETURN(in.image, Image::create(in_d, staging));
    }
    if (ctx.is_cuda()) {
      if (!frames_on_device) {
        CALDERA_ASSIGN_OR_RETURN(in_dev, Image::create(in_d, MemoryKind::Device, &ctx));
      }
      CALDERA_ASSIGN_OR_RETURN(out_dev, Image::create(out_d, MemoryKind::Device, &ctx));
    }
    if (!sink_on_device) {
      CALDERA_ASSIGN_OR_RETURN(out.image, Image::create(out_d, staging));
    }
    return Status::ok();
  };
  CALDERA_RETURN_IF_ERROR(allocate(in_desc, out_desc));
  ImageDesc planned = in_desc;

  size_t notes_printed = 0;
  if (!o.quiet) {
    std::string steps;
    for (const auto& f : chain.filters) steps += (steps.empty() ? "" : ", ") + f->describe();
    fmt::print(stderr, "{}: {}x{} {} -> {}x{} {} on {}{}{}\n", o.input, in_desc.width, in_desc.height,
               format_name(in_desc.format), out_desc.width, out_desc.height, format_name(out_desc.format), where(ctx),
               steps.empty() ? "" : ": ", steps);
    if (!info.codec.empty()) fmt::print(stderr, "decoding {} {}\n", info.container, info.decoder);
    for (const auto& n : info.notes) fmt::print(stderr, "note: {}\n", n);
    notes_printed = info.notes.size();
    fmt::print(stderr, "writing {}\n", sink->describe());
  }
  long total = info.frame_count;
  if (o.frames > 0 && (total < 0 || o.frames < total)) total = o.frames;
  Progress progress(!o.quiet && (o.progress || isatty(2)), total);
  const auto start = Clock::now();
  long frames = 0;
  double media_end = -1;
  const bool timed = !info.codec.empty() || info.container == "y4m";  // stills and raw frames have no clock
  while (o.frames < 0 || frames < o.frames) {
    auto more = source->read(in);
    if (!more) return more.status();
    if (!*more) break;
    const std::string at = "frame " + std::to_string(frames);
    const ImageDesc& got = in.image.desc();
    if (got.width != planned.width || got.height != planned.height || got.format != planned.format) {
      if (!info.size_varies)
        return internal_error(o.input + ": " + at + " does not have the size the source announced");
      CALDERA_RETURN_IF_ERROR(runner.prepare(got, ctx.memory()).with_context(at));
      planned = got;
      CALDERA_RETURN_IF_ERROR(allocate(got, runner.output_desc()));
    }
    // No filters and a sink that takes the frames where they are: handed over as they are.
    const bool hand_over = chain.filters.empty() && sink->accepts_memory(in.image.memory());
    if (hand_over) {
      out.image = std::move(in.image);
    } else if (ctx.is_cuda()) {
      ConstImageView src = in.image.view();
      if (!frames_on_device) {
        CALDERA_RETURN_IF_ERROR(copy_image(in.image.view(), in_dev.view(), ctx));
        src = in_dev.view();
      }
      CALDERA_RETURN_IF_ERROR(runner.run(src, out_dev.view()).with_context(at));
      if (sink_on_device) {
        out.image = Image::wrap(out_dev.view(), nullptr);
      } else {
        CALDERA_RETURN_IF_ERROR(copy_image(out_dev.view(), out.image.view(), ctx));
      }
    } else {
      CALDERA_RETURN_IF_ERROR(runner.run(in.image.view(), out.image.view()).with_context(at));
    }
    out.index = in.index;
    out.pts = in.pts;
    out.duration = in.duration;
    out.time_base = in.time_base;
    out.name = in.name;
    out.passthrough = std::move(in.passthrough);
    in.passthrough.clear();
    CALDERA_RETURN_IF_ERROR(ctx.synchronize().with_context(at));
    CALDERA_RETURN_IF_ERROR(sink->write(out));
    if (hand_over) in.image = std::move(out.image);  // the source may reuse its buffer
    ++frames;
    if (timed && out.pts != kNoTimestamp) media_end = out.seconds() + double(out.duration) * out.time_base.value();
    progress.update(frames, media_end);
  }
  if (!o.quiet)
    for (size_t i = notes_printed; i < info.notes.size(); ++i) fmt::print(stderr, "\nnote: {}\n", info.notes[i]);
  if (frames == 0) return io_error(o.input + ": no frames to process");
  CALDERA_RETURN_IF_ERROR(sink->finish());
  progress.update(frames, media_end, true);
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (!o.quiet)
    fmt::print(stderr, "wrote {}: {} frame{} {}x{} {} in {:.2f} s ({:.1f} fps)\n", o.output, frames,
               frames == 1 ? "" : "s", out_desc.width, out_desc.height, format_name(out_desc.format), s, frames / s);
  return Status::ok();
}

}  // namespace

int run_command(const RunOptions& o) {
  Status s = run_job(o);
  if (s) return 0;
  print_error(s.message());
  return s.code() == StatusCode::InvalidArgument ? 2 : 1;
}

}  // namespace caldera::app
