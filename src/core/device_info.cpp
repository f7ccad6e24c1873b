#include "caldera/device_info.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <string>

#include "caldera/context.hpp"

namespace caldera {

std::string cuda_version_string(int v) {
  if (v <= 0) return "none";
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

namespace {

// Optional libraries are probed with dlopen so Caldera neither links nor needs them.
enum class VersionCall { None, CudnnNumber, NppStruct };

LibraryProbe probe_library(const char* name, std::initializer_list<const char*> files, const char* version_symbol,
                           VersionCall call) {
  LibraryProbe probe;
  probe.name = name;
  std::string errors;
  for (const char* file : files) {
    void* h = dlopen(file, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
      errors += std::string(errors.empty() ? "" : "; ") + dlerror();
      continue;
    }
    probe.available = true;
    probe.detail = file;
    void* sym = call == VersionCall::None ? nullptr : dlsym(h, version_symbol);
    if (sym) {
      if (call == VersionCall::NppStruct) {
        // NPP: const NppLibraryVersion* nppGetLibVersion(void) -> {major, minor, build}
        struct V { int major, minor, build; };
        const V* v = reinterpret_cast<const V* (*)()>(sym)();
        if (v) probe.version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->build);
      } else {
        // cuDNN: size_t cudnnGetVersion(void) -> major*10000 + minor*100 + patch
        size_t v = reinterpret_cast<size_t (*)()>(sym)();
        probe.version = std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) + "." + std::to_string(v % 100);
      }
    }
    dlclose(h);
    return probe;
  }
  probe.detail = errors;
  return probe;
}

}  // namespace

SystemInfo probe_system() {
  SystemInfo info;
  cudaDriverGetVersion(&info.driver_version);
  cudaRuntimeGetVersion(&info.runtime_version);
  info.cuda_problem = cuda_unavailable_reason();
  const int n = cuda_device_count();
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    CudaDeviceInfo d;
    d.index = i;
    d.name = p.name;
    d.cc_major = p.major;
    d.cc_minor = p.minor;
    d.multiprocessors = p.multiProcessorCount;
    d.total_memory = p.totalGlobalMem;
    d.l2_bytes = static_cast<size_t>(p.l2CacheSize);
    d.memory_bus_bits = p.memoryBusWidth;
    cudaDeviceGetAttribute(&d.memory_clock_khz, cudaDevAttrMemoryClockRate, i);
    info.devices.push_back(d);
  }
  cudaGetLastError();
  info.libraries.push_back(probe_library("cuDNN", {"libcudnn.so.9", "libcudnn.so"}, "cudnnGetVersion", VersionCall::CudnnNumber));
  info.libraries.push_back(probe_library("NPP", {"libnppc.so.13", "libnppc.so.12", "libnppc.so"}, "nppGetLibVersion", VersionCall::NppStruct));
  // nvJPEG: presence is what matters here; its version call takes arguments.
  info.libraries.push_back(probe_library("nvJPEG", {"libnvjpeg.so.13", "libnvjpeg.so.12", "libnvjpeg.so"}, "", VersionCall::None));
  return info;
}

}  // namespace caldera
