// The subcommands of the `caldera` command line. Each returns the process exit code:
// 0 success, 1 the work failed (the message says why), 2 bad usage.
#pragma once

#include <string>

namespace caldera::app {

struct RunOptions {
  std::string input, output, chain;
  std::string device;              // cpu, cuda, auto; empty: auto (or the pipeline file's)
  std::string input_format, size;  // raw input only
  long frames = -1;                // stop after N frames
  int jpeg_quality = 92;
  std::string image_format = "png";    // folders of images out: png or jpg
  // Video files.
  double start = 0, duration = -1;     // seconds
  std::string decode = "auto";         // auto (NVDEC where the job runs on a GPU), nvdec, cpu
  std::string copy_streams = "all";    // all (audio, subtitles, data copied through) or none
  std::string codec, encoder, preset, pixel_format, bitrate;
  double crf = -1;
  int gop = 0;
  bool quiet = false;
  bool progress = false;  // force the progress line even when stderr is not a terminal
  // The pipeline (src/pipeline).
  std::string pipeline;        // a pipeline file instead of -i/--vf/-o
  bool stats = false;          // print the per-stage table at the end
  std::string stats_json;      // also write the statistics as JSON to this file
  bool sync = false;           // one thread, stage after stage
  int frames_in_flight = 0;    // 0: the file's, or chosen from the stages
};
int run_command(const RunOptions& o);

struct InfoOptions {
  bool json = false;
};
int info_command(const InfoOptions& o);

struct BenchOptions {
  std::string filter, json_out, markdown_out;
  int reps = 100, warmup = 10;
  std::string executable_dir;
};
int bench_command(const BenchOptions& o);

struct ModelInspectOptions {
  std::string model;  // a name in the model directory, or a .param path
  std::string size;   // WxH: print shapes for this input size
};
int model_inspect_command(const ModelInspectOptions& o);

void print_error(const std::string& message);

}  // namespace caldera::app
