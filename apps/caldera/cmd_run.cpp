// `caldera run`: frames from a file, through the operator chain (on the GPU where there is one),
// into a file. One frame at a time on one stream; the asynchronous pipeline is a later stage.
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>

#include "caldera/commands.hpp"
#include "caldera/device_info.hpp"
#include "caldera/frame_io.hpp"
#include "caldera/op_chain.hpp"

namespace caldera::app {
namespace {

using Clock = std::chrono::steady_clock;

class Progress {
 public:
  Progress(bool enabled, long total) : enabled_(enabled), total_(total), start_(Clock::now()), last_(start_) {}
  void update(long frames, bool final = false) {
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
    fmt::print(stderr, "\r{:<60}{}", line, final ? "\n" : "");
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

Status run_job(const RunOptions& o) {
  CALDERA_ASSIGN_OR_RETURN(DeviceChoice choice, parse_device_choice(o.device));
  CALDERA_ASSIGN_OR_RETURN(Context ctx, Context::create(choice));
  CALDERA_ASSIGN_OR_RETURN(auto source, open_source(o.input, o.input_format, o.size));
  CALDERA_ASSIGN_OR_RETURN(auto sink, make_sink(o.output, o.jpeg_quality));
  Chain chain;
  if (!o.chain.empty()) {
    CALDERA_ASSIGN_OR_RETURN(chain, parse_chain(o.chain));
  }

  const ImageDesc in_desc = source->desc();
  ChainRunner runner(chain, ctx);
  CALDERA_RETURN_IF_ERROR(runner.prepare(in_desc, ctx.memory()));
  if (!sink->accepts(runner.output_desc().format)) {
    const PixelFormat target = sink->preferred(runner.output_desc());
    if (!o.quiet)
      fmt::print(stderr, "note: {} cannot hold {}; converting to {} for it\n", o.output,
                 format_name(runner.output_desc().format), format_name(target));
    chain.steps.push_back(make_convert_step(target));
    CALDERA_RETURN_IF_ERROR(runner.prepare(in_desc, ctx.memory()));
  }
  const ImageDesc out_desc = runner.output_desc();
  CALDERA_RETURN_IF_ERROR(sink->open(out_desc, source->timing()));

  // Host frames are pinned when a GPU is used, so uploads and downloads run at full speed.
  const MemoryKind staging = ctx.is_cuda() ? MemoryKind::PinnedHost : MemoryKind::Host;
  CALDERA_ASSIGN_OR_RETURN(Image in_host, Image::create(in_desc, staging));
  Image in_dev, out_host;
  if (ctx.is_cuda()) {
    CALDERA_ASSIGN_OR_RETURN(in_dev, Image::create(in_desc, MemoryKind::Device, &ctx));
    CALDERA_ASSIGN_OR_RETURN(out_host, Image::create(out_desc, staging));
  }

  if (!o.quiet) {
    std::string steps;
    for (const auto& s : chain.steps) steps += (steps.empty() ? "" : ", ") + s->describe();
    fmt::print(stderr, "{}: {}x{} {} -> {}x{} {} on {}{}{}\n", o.input, in_desc.width, in_desc.height,
               format_name(in_desc.format), out_desc.width, out_desc.height, format_name(out_desc.format), where(ctx),
               steps.empty() ? "" : ": ", steps);
  }
  long total = source->frame_count();
  if (o.frames > 0 && (total < 0 || o.frames < total)) total = o.frames;
  Progress progress(!o.quiet && (o.progress || isatty(2)), total);
  const auto start = Clock::now();
  long frames = 0;
  while (o.frames < 0 || frames < o.frames) {
    auto more = source->read(in_host.view());
    if (!more) return more.status();
    if (!*more) break;
    ConstImageView frame = in_host.view();
    if (ctx.is_cuda()) {
      CALDERA_RETURN_IF_ERROR(copy_image(in_host.view(), in_dev.view(), ctx));
      frame = in_dev.view();
    }
    auto out = runner.run(frame);
    if (!out) return out.status().with_context("frame " + std::to_string(frames));
    ConstImageView result = *out;
    if (ctx.is_cuda()) {
      CALDERA_RETURN_IF_ERROR(copy_image(result, out_host.view(), ctx));
      result = out_host.view();
    }
    CALDERA_RETURN_IF_ERROR(ctx.synchronize().with_context("frame " + std::to_string(frames)));
    CALDERA_RETURN_IF_ERROR(sink->write(result));
    ++frames;
    progress.update(frames);
  }
  if (frames == 0) return io_error(o.input + ": no frames to process");
  CALDERA_RETURN_IF_ERROR(sink->finish());
  progress.update(frames, true);
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
