#include "caldera/frame_loop.hpp"

#include <fmt/core.h>

#include <chrono>

#include "caldera/filter.hpp"

namespace caldera::app {

Status run_frame_by_frame(const RunOptions& o, std::unique_ptr<MediaSource> source) {
  CALDERA_ASSIGN_OR_RETURN(DeviceChoice choice, parse_device_choice(o.device.empty() ? "auto" : o.device));
  CALDERA_ASSIGN_OR_RETURN(Context ctx, Context::create(choice));
  SinkOptions so;
  so.jpeg_quality = o.jpeg_quality;
  so.image_format = o.image_format;
  CALDERA_ASSIGN_OR_RETURN(auto sink, make_media_sink(o.output, so));
  FilterChain chain;
  if (!o.chain.empty()) {
    auto parsed = parse_filter_chain(o.chain);
    if (!parsed) return parsed.status().with_context("--vf");
    chain = std::move(parsed).value();
  }
  ChainRunner runner(chain, ctx);
  const MediaInfo& info = source->info();
  bool converting = false;
  // Plans the chain for frames of `d` (with a conversion at its end where the output cannot hold
  // what it makes); false when nothing changed.
  auto plan = [&](const ImageDesc& d) -> Status {
    CALDERA_RETURN_IF_ERROR(runner.prepare(d, ctx.memory()));
    if (!converting && !sink->accepts(runner.output_desc().format)) {
      const PixelFormat target = sink->preferred(runner.output_desc());
      if (!o.quiet)
        fmt::print(stderr, "note: {} cannot hold {}; converting to {} for it\n", o.output,
                   format_name(runner.output_desc().format), format_name(target));
      CALDERA_ASSIGN_OR_RETURN(auto convert, FilterRegistry::builtin().make("convert", {{"format", format_name(target)}}));
      chain.filters.push_back(std::move(convert));
      converting = true;
      CALDERA_RETURN_IF_ERROR(runner.prepare(d, ctx.memory()));
    }
    return Status::ok();
  };
  CALDERA_RETURN_IF_ERROR(plan(info.desc));
  CALDERA_RETURN_IF_ERROR(sink->open(runner.output_desc(), info));
  if (!o.quiet)
    fmt::print(stderr, "{}: {} images of different sizes, one at a time on {} -> {}\n", o.input, info.frame_count,
               ctx.is_cuda() ? "the GPU" : "the CPU", sink->describe());

  Frame in, out;
  Image in_dev, out_dev;
  ImageDesc planned{};
  const auto start = std::chrono::steady_clock::now();
  long frames = 0;
  while (o.frames < 0 || frames < o.frames) {
    auto more = source->read(in);
    if (!more) return more.status();
    if (!*more) break;
    const std::string at = "frame " + std::to_string(frames) + " (" + in.name + ")";
    const ImageDesc& d = in.image.desc();
    if (frames == 0 || d.width != planned.width || d.height != planned.height || d.format != planned.format) {
      CALDERA_RETURN_IF_ERROR(plan(d).with_context(at));
      planned = d;
      const ImageDesc& od = runner.output_desc();
      CALDERA_ASSIGN_OR_RETURN(out.image, Image::create(od, MemoryKind::Host));
      if (ctx.is_cuda()) {
        CALDERA_ASSIGN_OR_RETURN(in_dev, Image::create(d, MemoryKind::Device, &ctx));
        CALDERA_ASSIGN_OR_RETURN(out_dev, Image::create(od, MemoryKind::Device, &ctx));
      }
    }
    if (ctx.is_cuda()) {
      CALDERA_RETURN_IF_ERROR(copy_image(in.image.view(), in_dev.view(), ctx));
      CALDERA_RETURN_IF_ERROR(runner.run(in_dev.view(), out_dev.view()).with_context(at));
      CALDERA_RETURN_IF_ERROR(copy_image(out_dev.view(), out.image.view(), ctx));
      CALDERA_RETURN_IF_ERROR(ctx.synchronize().with_context(at));
    } else {
      CALDERA_RETURN_IF_ERROR(runner.run(in.image.view(), out.image.view()).with_context(at));
    }
    out.index = in.index;
    out.pts = in.pts;
    out.duration = in.duration;
    out.time_base = in.time_base;
    out.name = in.name;
    CALDERA_RETURN_IF_ERROR(sink->write(out).with_context(at));
    ++frames;
  }
  if (frames == 0) return io_error(o.input + ": no frames to process");
  CALDERA_RETURN_IF_ERROR(sink->finish());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.quiet)
    fmt::print(stderr, "wrote {}: {} frame{} in {:.2f} s ({:.1f} fps)\n", o.output, frames, frames == 1 ? "" : "s", s,
               s > 0 ? frames / s : 0.0);
  return Status::ok();
}

}  // namespace caldera::app
