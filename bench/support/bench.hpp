// The operator benchmarks behind `caldera bench`. Each benchmark file registers functions that
// add rows: our median time (CUDA events), the bytes the operation must move at least, and the
// peer's time (NPP) on the same input in the same run where the peer has the operation.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"
#include "peers/npp_peer.h"

namespace caldera::bench {

struct BenchRow {
  std::string group;  // "color", "resize", ...
  std::string op;     // "nv12->rgb24 bt709"
  std::string size;   // "3840x2160"
  double ours_us = NAN;
  double bytes = 0;         // fewest bytes the operation must read + write
  double peer_us = NAN;     // NPP's median, or NaN
  std::string peer;         // what the peer ran ("nppiNV12ToRGB_709HDTV_8u_P2C3R_Ctx")
  std::string note;         // e.g. max difference between our output and the peer's
};

struct BenchEnv {
  Context* ctx = nullptr;
  const CalderaNppPeer* npp = nullptr;  // null where NPP is not present
  int warmup = 10;
  int reps = 100;
  std::string filter;  // only benchmarks whose group or op contains this
  std::vector<BenchRow> rows;

  bool wants(const std::string& group, const std::string& op) const {
    return filter.empty() || group.find(filter) != std::string::npos || op.find(filter) != std::string::npos;
  }
  // Median microseconds per call of `fn(i)`: after warm-up, reps calls in batches of 10 queued
  // back to back and timed with CUDA events on ctx's stream. `i` counts calls, so a benchmark can rotate among several input sets
  // and keep L2 from holding the whole working set.
  Result<double> time_us(const std::function<Status(int)>& fn);
  // Same for work queued on another stream (a peer that runs on its own stream).
  Result<double> time_us_on(StreamHandle stream, const std::function<Status(int)>& fn);
};

// A set of device images filled with random data, rotated through by benchmarks. Enough copies
// to exceed the L2 cache, so each call reads from device memory as a real frame stream would.
struct ImageSet {
  std::vector<Image> images;
  const Image& operator[](int i) const { return images[static_cast<size_t>(i) % images.size()]; }
  Image& operator[](int i) { return images[static_cast<size_t>(i) % images.size()]; }
};
Result<ImageSet> random_device_images(const ImageDesc& desc, int count, uint64_t seed, Context& ctx);
Result<ImageSet> device_images(const ImageDesc& desc, int count, Context& ctx);
// How many copies of a working set of `bytes` exceed 2x the L2 cache (at least 2).
int rotation_count(size_t bytes);

std::string size_name(int w, int h);

// Largest absolute difference between two images of equal shape, in code values (copies both
// to the host; for checking that our output and the peer's agree, reported in a row's note).
Result<double> max_abs_diff(ConstImageView a, ConstImageView b, Context& ctx);

using BenchFn = Status (*)(BenchEnv&);
struct Registrar {
  Registrar(const char* name, BenchFn fn);
};
struct Registered {
  const char* name;
  BenchFn fn;
};
const std::vector<Registered>& registered_benchmarks();

// Measures device-to-device copy bandwidth (read + write bytes per second) on ctx's stream.
Result<double> measure_copy_gbps(BenchEnv& env, size_t bytes);

}  // namespace caldera::bench

#define CALDERA_BENCH(name)                                                    \
  static ::caldera::Status name(::caldera::bench::BenchEnv& env);              \
  static ::caldera::bench::Registrar caldera_bench_registrar_##name(#name, name); \
  static ::caldera::Status name(::caldera::bench::BenchEnv& env)
