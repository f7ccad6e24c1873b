#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "caldera/commands.hpp"
#include "caldera/device_info.hpp"
#include "caldera/filter.hpp"
#include "caldera/io/media.hpp"

namespace caldera::app {

void print_error(const std::string& message) { fmt::print(stderr, "caldera: error: {}\n", message); }

int info_command(const InfoOptions& o) {
  const SystemInfo info = probe_system();
  const MediaCapabilities media = media_capabilities();
  std::string encoders;
  for (const auto& e : media.encoders) encoders += (encoders.empty() ? "" : ", ") + e;
  if (o.json) {
    nlohmann::json j;
    j["version"] = "0.1.0";
    j["cuda_driver"] = cuda_version_string(info.driver_version);
    j["cuda_runtime"] = cuda_version_string(info.runtime_version);
    j["cuda_problem"] = info.cuda_problem;
    for (const auto& d : info.devices)
      j["devices"].push_back({{"index", d.index}, {"name", d.name}, {"compute_capability", fmt::format("{}.{}", d.cc_major, d.cc_minor)},
                              {"multiprocessors", d.multiprocessors}, {"memory_bytes", d.total_memory},
                              {"l2_bytes", d.l2_bytes}, {"peak_bandwidth_gbps", d.peak_bandwidth_gbps()}});
    for (const auto& l : info.libraries)
      j["libraries"].push_back({{"name", l.name}, {"available", l.available}, {"version", l.version}, {"detail", l.detail}});
    j["ffmpeg"] = {{"version", media.ffmpeg}, {"nvdec", media.nvdec}, {"encoders", media.encoders}};
    j["nvjpeg_plugin"] = {{"loaded", media.nvjpeg_plugin}, {"detail", media.nvjpeg_detail}};
    j["filters"] = FilterRegistry::builtin().known_names();
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  fmt::print("caldera 0.1.0\n");
  fmt::print("CUDA driver:  {}\nCUDA runtime: {}\n", cuda_version_string(info.driver_version),
             cuda_version_string(info.runtime_version));
  if (info.devices.empty()) {
    fmt::print("GPU:          none ({}); operators run on the CPU reference path\n", info.cuda_problem);
  }
  for (const auto& d : info.devices)
    fmt::print("GPU {}:        {} (sm_{}{}, {} SMs, {:.1f} GiB, L2 {:.0f} MiB, ~{:.0f} GB/s peak)\n", d.index, d.name,
               d.cc_major, d.cc_minor, d.multiprocessors, d.total_memory / 1073741824.0, d.l2_bytes / 1048576.0,
               d.peak_bandwidth_gbps());
  for (const auto& l : info.libraries)
    fmt::print("{:<13} {}\n", l.name + ":",
               l.available ? fmt::format("yes{} ({})", l.version.empty() ? "" : " " + l.version, l.detail)
                           : "not found");
  fmt::print("Filters:      {} (CPU reference{})\n", FilterRegistry::builtin().known_names(),
             info.devices.empty() ? "" : " and CUDA");
  fmt::print("Video:        FFmpeg {}; NVDEC through FFmpeg: {}; encoders: {}\n", media.ffmpeg,
             media.nvdec ? "yes (where the GPU has it)" : "no", encoders.empty() ? "none" : encoders);
  fmt::print("JPEG on GPU:  {}\n", media.nvjpeg_plugin ? "nvJPEG plugin" : "no (" + media.nvjpeg_detail + ")");
  fmt::print("Files:        video (MP4, MKV, MOV, WebM, MPEG-TS, ...), PNG, JPEG, folders of images, Y4M 8/10-bit, raw YUV/RGB\n");
  return 0;
}

}  // namespace caldera::app
