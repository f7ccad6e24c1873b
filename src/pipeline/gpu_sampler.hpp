// The GPU's utilisation while a pipeline runs, sampled through NVML. NVML is loaded at run time
// (dlopen of libnvidia-ml.so.1, which comes with the driver), so Caldera neither links it nor
// needs its header; without a driver or GPU the sampler says why and reports nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "caldera/pipeline/pipeline.hpp"

namespace caldera::pipeline {

class GpuSampler {
 public:
  GpuSampler() = default;
  GpuSampler(const GpuSampler&) = delete;
  GpuSampler& operator=(const GpuSampler&) = delete;
  ~GpuSampler() { stop(); }

  // Starts sampling CUDA device `device` every `period_s` on a thread of its own; false (with
  // the reason in result().note) when NVML or the device cannot be used.
  // `steady` (optional, called on the sampling thread) says whether the run is past its start-up;
  // the samples taken while it is true also make result().steady_mean_percent.
  bool start(int device, double period_s = 0.1, std::function<bool()> steady = {});
  // Stops and joins the thread; result() is final afterwards.
  void stop();
  const GpuUtilisation& result() const { return result_; }

 private:
  void loop(double period_s);

  GpuUtilisation result_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  void* lib_ = nullptr;
  void* device_ = nullptr;
  void* get_utilisation_ = nullptr;
  void* shutdown_ = nullptr;
  double sum_ = 0, steady_sum_ = 0;
  std::function<bool()> steady_;
};

}  // namespace caldera::pipeline
