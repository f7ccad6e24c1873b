// What this machine offers: CUDA devices, driver and runtime versions, and which optional GPU
// libraries (cuDNN, NPP, nvJPEG) can be loaded. Used by `caldera info` and by tests to skip.
#pragma once

#include <string>
#include <vector>

namespace caldera {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int multiprocessors = 0;
  size_t total_memory = 0;
  size_t l2_bytes = 0;
  int memory_bus_bits = 0;
  int memory_clock_khz = 0;
  double peak_bandwidth_gbps() const { return 2.0 * memory_clock_khz * 1e3 * (memory_bus_bits / 8.0) / 1e9; }
};

struct LibraryProbe {
  std::string name;     // "cuDNN"
  bool available = false;
  std::string version;  // "9.13.0" when available
  std::string detail;   // the library file, or why it could not be loaded
};

struct SystemInfo {
  int driver_version = 0;   // 13000 for CUDA 13.0, 0 without a driver
  int runtime_version = 0;  // the CUDA runtime Caldera was built with
  std::string cuda_problem; // empty when CUDA works
  std::vector<CudaDeviceInfo> devices;
  std::vector<LibraryProbe> libraries;
};

SystemInfo probe_system();
std::string cuda_version_string(int v);  // 13000 -> "13.0"

}  // namespace caldera
