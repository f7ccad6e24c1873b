#include "pipeline/gpu_sampler.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>

namespace caldera::pipeline {
namespace {

// The few NVML declarations used, as nvml.h has them (NVML's ABI is stable; the _v2 entry
// points exist since driver 319).
using NvmlReturn = int;  // nvmlReturn_t; 0 is NVML_SUCCESS
using NvmlDevice = void*;
struct NvmlUtilization {
  unsigned int gpu;     // percent of the sample period in which a kernel was running
  unsigned int memory;  // percent of it in which device memory was read or written
};
using InitFn = NvmlReturn (*)();
using ShutdownFn = NvmlReturn (*)();
using ByPciFn = NvmlReturn (*)(const char*, NvmlDevice*);
using UtilFn = NvmlReturn (*)(NvmlDevice, NvmlUtilization*);
using ErrorStringFn = const char* (*)(NvmlReturn);

}  // namespace

bool GpuSampler::start(int device, double period_s, std::function<bool()> steady) {
  result_ = GpuUtilisation{};
  sum_ = steady_sum_ = 0;
  steady_ = std::move(steady);
  lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) {
    const char* e = dlerror();
    result_.note = std::string("NVML not available (") + (e ? e : "libnvidia-ml.so.1 not found") + ")";
    return false;
  }
  auto init = reinterpret_cast<InitFn>(dlsym(lib_, "nvmlInit_v2"));
  auto by_pci = reinterpret_cast<ByPciFn>(dlsym(lib_, "nvmlDeviceGetHandleByPciBusId_v2"));
  auto util = reinterpret_cast<UtilFn>(dlsym(lib_, "nvmlDeviceGetUtilizationRates"));
  auto shutdown = reinterpret_cast<ShutdownFn>(dlsym(lib_, "nvmlShutdown"));
  auto error_string = reinterpret_cast<ErrorStringFn>(dlsym(lib_, "nvmlErrorString"));
  const auto fail = [&](const std::string& why) {
    result_.note = "NVML: " + why;
    dlclose(lib_);
    lib_ = nullptr;
    return false;
  };
  if (!init || !by_pci || !util || !shutdown) return fail("a function is missing from libnvidia-ml.so.1");
  const auto text = [&](NvmlReturn r) { return std::string(error_string ? error_string(r) : "error") + " (" + std::to_string(r) + ")"; };
  if (NvmlReturn r = init(); r != 0) return fail("nvmlInit: " + text(r));
  // CUDA and NVML may number devices differently: the PCI bus id names the same one in both.
  char bus[32] = {};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) {
    cudaGetLastError();
    shutdown();
    return fail("no PCI bus id for CUDA device " + std::to_string(device));
  }
  NvmlDevice handle = nullptr;
  if (NvmlReturn r = by_pci(bus, &handle); r != 0) {
    shutdown();
    return fail(std::string("no device at ") + bus + ": " + text(r));
  }
  device_ = handle;
  get_utilisation_ = reinterpret_cast<void*>(util);
  shutdown_ = reinterpret_cast<void*>(shutdown);
  result_.note = "NVML utilisation, " + std::to_string(static_cast<int>(period_s * 1000)) + " ms samples";
  stopping_ = false;
  try {
    thread_ = std::thread([this, period_s] { loop(period_s); });
  } catch (const std::system_error& e) {
    shutdown();
    return fail(std::string("cannot start the sampling thread: ") + e.what());
  }
  return true;
}

void GpuSampler::loop(double period_s) {
  const auto util = reinterpret_cast<UtilFn>(get_utilisation_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::duration<double>(period_s), [&] { return stopping_; });
    if (stopping_) break;
    NvmlUtilization u{};
    if (util(device_, &u) != 0) continue;
    ++result_.samples;
    sum_ += u.gpu;
    if (steady_ && steady_()) {
      ++result_.steady_samples;
      steady_sum_ += u.gpu;
    }
    result_.max_percent = std::max(result_.max_percent, double(u.gpu));
  }
}

void GpuSampler::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    result_.sampled = result_.samples > 0;
    result_.mean_percent = result_.samples > 0 ? sum_ / result_.samples : 0;
    result_.steady_mean_percent = result_.steady_samples > 0 ? steady_sum_ / result_.steady_samples : 0;
    if (result_.samples == 0) result_.note += " (the job ended before the first sample)";
  }
  if (lib_) {
    if (shutdown_) reinterpret_cast<ShutdownFn>(shutdown_)();
    dlclose(lib_);
    lib_ = nullptr;
  }
}

}  // namespace caldera::pipeline
