// `caldera`: run operator chains on images and Y4M video, report the machine, benchmark.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "caldera/commands.hpp"
#include "caldera/filter.hpp"

int main(int argc, char** argv) {
  using namespace caldera::app;
  CLI::App app{"caldera: GPU image and video processing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "caldera 0.1.0");

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "apply a chain of operators to an image or a video");
  run_cmd->add_option("-i,--input", run.input, "input: a video file (.mp4, .mkv, .mov, .webm, .ts, ...), .png, .jpg, a folder or glob of images, .y4m, or raw frames (.yuv/.raw with --input-format and --size)");
  run_cmd->add_option("-o,--output", run.output, "output: .mp4, .mkv, .mov, .ts, .webm, .png, .jpg, a folder/ or a pattern such as out/%05d.png, .y4m or .yuv/.raw; \"null\" discards the frames (for timing)");
  run_cmd->add_option("--vf", run.chain, "operator chain, e.g. \"resize=w=1280:h=-1:interp=bicubic,convert=nv12\"");
  run_cmd->add_option("--device", run.device, "cpu, cuda or auto (GPU where there is one)")->check(CLI::IsMember({"cpu", "cuda", "gpu", "auto"}));
  run_cmd->add_option("--input-format", run.input_format, "pixel format of raw input (nv12, i420, p010, rgb24, ...)");
  run_cmd->add_option("--size", run.size, "frame size of raw input, WxH");
  run_cmd->add_option("--frames", run.frames, "stop after this many frames")->check(CLI::PositiveNumber);
  run_cmd->add_option("--jpeg-quality", run.jpeg_quality, "JPEG quality 1..100")->check(CLI::Range(1, 100));
  run_cmd->add_option("--image-format", run.image_format, "what a folder output/ is written as: png or jpg")->check(CLI::IsMember({"png", "jpg", "jpeg"}));
  run_cmd->add_option("--start", run.start, "video: start at this time (seconds)")->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--duration", run.duration, "video: process this many seconds")->check(CLI::PositiveNumber);
  run_cmd->add_option("--decode", run.decode, "video decoding: auto (NVDEC when the job runs on a GPU), nvdec, cpu")->check(CLI::IsMember({"auto", "nvdec", "cpu"}));
  run_cmd->add_option("--copy-streams", run.copy_streams, "audio, subtitle and data streams: all (copied unchanged) or none")->check(CLI::IsMember({"all", "none"}));
  run_cmd->add_option("--codec", run.codec, "video output codec: h264 (default), hevc, av1, vp9")->check(CLI::IsMember({"h264", "hevc", "h265", "av1", "vp9"}));
  run_cmd->add_option("--encoder", run.encoder, "an FFmpeg encoder by name (libx264, libx265, hevc_nvenc, ...); default: NVENC on a GPU that has it, else the software encoder");
  run_cmd->add_option("--crf", run.crf, "constant quality (x264/x265 CRF, NVENC CQ; lower is better)")->check(CLI::Range(0.0, 63.0));
  run_cmd->add_option("--bitrate", run.bitrate, "target bit rate instead of constant quality, e.g. 8M or 2500k");
  run_cmd->add_option("--preset", run.preset, "encoder preset (x264/x265: ultrafast..veryslow, NVENC: p1..p7)");
  run_cmd->add_option("--gop", run.gop, "frames between keyframes")->check(CLI::PositiveNumber);
  run_cmd->add_option("--pix-fmt", run.pixel_format, "encoder input format: yuv420p, yuv420p10le (10-bit), nv12, p010le, yuv422p, yuv444p");
  run_cmd->add_flag("-q,--quiet", run.quiet, "print nothing but errors");
  run_cmd->add_flag("--progress", run.progress, "show progress even when stderr is not a terminal (then a line every 10 s and the last)");
  // The pipeline (docs/pipeline.md).
  run_cmd->add_option("--pipeline", run.pipeline, "run a pipeline file (.yaml or .json; -i/-o/--frames/--device override its source, sink and device)");
  run_cmd->add_flag("--stats", run.stats, "print each stage's busy/waiting time, queue depth and rate, the limiting stage and the GPU's use");
  run_cmd->add_option("--stats-json", run.stats_json, "write the statistics as JSON to this file");
  run_cmd->add_flag("--sync", run.sync, "run the stages one after another on one thread (for comparison)");
  run_cmd->add_option("--frames-in-flight", run.frames_in_flight, "most frames inside the pipeline at once")->check(CLI::Range(1, 4096));
  run_cmd->footer("Filters (comma-separated, options as key=value joined by ':'):\n" + caldera::FilterRegistry::builtin().help());

  InfoOptions info;
  CLI::App* info_cmd = app.add_subcommand("info", "GPU, driver, CUDA, cuDNN and what this build can use");
  info_cmd->add_flag("--json", info.json, "print JSON");

  BenchOptions bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "operator benchmarks against NPP (needs a CUDA GPU)");
  bench_cmd->add_option("--filter", bench.filter, "only benchmarks whose group or name contains this");
  bench_cmd->add_option("--reps", bench.reps, "timed calls per row (median reported)")->check(CLI::Range(5, 100000));
  bench_cmd->add_option("--warmup", bench.warmup, "untimed calls first")->check(CLI::Range(1, 10000));
  bench_cmd->add_option("--json", bench.json_out, "also write the rows as JSON to this file");
  bench_cmd->add_option("--markdown", bench.markdown_out, "also write the table as Markdown to this file");

  ModelInspectOptions inspect;
  CLI::App* model_cmd = app.add_subcommand("model", "neural-network models");
  model_cmd->require_subcommand(1);
  CLI::App* inspect_cmd = model_cmd->add_subcommand("inspect", "validate a model and print its graph");
  inspect_cmd->add_option("model", inspect.model, "model name (in $CALDERA_MODEL_DIR or ~/.cache/caldera/models), an ncnn .param path or an .onnx path")->required();
  inspect_cmd->add_option("--size", inspect.size, "input size WxH: print every shape for it");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*run_cmd) return run_command(run);
  if (*info_cmd) return info_command(info);
  if (*inspect_cmd) return model_inspect_command(inspect);
  if (*bench_cmd) {
    std::error_code ec;
    auto exe = std::filesystem::canonical("/proc/self/exe", ec);
    bench.executable_dir = ec ? "." : exe.parent_path().string();
    return bench_command(bench);
  }
  return 2;
}
