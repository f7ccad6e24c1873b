// Test support: runs CUDA kernel code on the host, compiled by the host compiler, so that kernels
// can be checked where there is no GPU. Include it before any other header of the test file; then
// include the kernel's .cuh and call the __global__ function through HostGrid::run.
//
// What it emulates, and what it checks on the way:
//   - a block: its threads are real threads (one per CUDA thread, kept between blocks); blocks run
//     one after another, in any order the caller gives. __shared__ variables become function
//     statics, which is block-shared memory as long as one block runs at a time; the dynamic
//     shared memory is a buffer of exactly the launch's size, filled with NaN bytes at every block
//     start (a read before the block wrote it shows) and followed by a guard that must stay intact.
//   - __syncthreads: a barrier of the block's threads. Every thread waiting at one must wait at the
//     same call site (a __syncthreads in divergent code is reported), and none of the block's
//     threads may have exited yet (a barrier after an early return is reported).
//   - __shfl_down_sync: the 32 lanes of a warp exchange through a warp barrier; a partial mask or an
//     exited lane is reported.
//   - __ldg / __ldcg: with read checking on, every load must lie inside one registered range
//     (image rows: the bytes of the row's pixels, not the pitch's padding); others are reported.
//   - atomicAdd (std::atomic_ref), __threadfence (a sequentially consistent fence), and the
//     arithmetic intrinsics the kernels use, each with its CUDA meaning (__fadd_rd rounds down
//     exactly; __log2f, __frcp_rn and the like are the accurate host functions).
// Memory ordering between blocks cannot be checked here (blocks do not overlap in time); what is
// checked is the protocol: tickets, the last block's reads and the resets for the next launch.
#pragma once

#if defined(__CUDACC__)
#error "cuda_host_emulation.hpp is for the host compiler"
#endif

// Before the CUDA headers: host_defines.h keeps a definition it finds.
#define __shared__ static
#define __launch_bounds__(...)
#define CALDERA_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(::caldera::emu::dynamic_shared())

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

inline thread_local uint3 threadIdx{};
inline thread_local uint3 blockIdx{};
inline thread_local dim3 blockDim{};
inline thread_local dim3 gridDim{};

namespace caldera::emu {

// ---- what went wrong ----------------------------------------------------------------------------

inline std::mutex& error_mutex() {
  static std::mutex m;
  return m;
}
inline std::vector<std::string>& error_list() {
  static std::vector<std::string> e;
  return e;
}
inline void report(const std::string& what) {
  std::lock_guard<std::mutex> lock(error_mutex());
  if (error_list().size() < 20) error_list().push_back(what);
}
// The problems reported since the last call (at most 20 kept).
inline std::vector<std::string> take_errors() {
  std::lock_guard<std::mutex> lock(error_mutex());
  std::vector<std::string> e;
  e.swap(error_list());
  return e;
}

// ---- readable global memory -----------------------------------------------------------------------

struct ReadRanges {
  bool checking = false;
  std::map<uintptr_t, uintptr_t> ranges;  // begin -> end
};
inline ReadRanges& read_ranges() {
  static ReadRanges r;
  return r;
}
// Register before a launch, never during one.
inline void allow_reads(const void* p, size_t bytes) {
  const auto b = reinterpret_cast<uintptr_t>(p);
  read_ranges().ranges[b] = b + bytes;
  read_ranges().checking = true;
}
inline void stop_checking_reads() {
  read_ranges().ranges.clear();
  read_ranges().checking = false;
}
inline void check_read(const void* p, size_t bytes) {
  const ReadRanges& r = read_ranges();
  if (!r.checking) return;
  const auto a = reinterpret_cast<uintptr_t>(p);
  auto it = r.ranges.upper_bound(a);
  if (it == r.ranges.begin() || (--it, a + bytes > it->second))
    report("a load of " + std::to_string(bytes) + " bytes at " + std::to_string(a) + " outside every readable range");
}

// ---- blocks and warps ----------------------------------------------------------------------------

struct Site {
  const char* file = nullptr;
  int line = 0;
};

struct Block;

struct BlockCompletion {
  Block* block;
  void operator()() noexcept;
};

struct Warp {
  struct Completion {
    void operator()() noexcept {}
  };
  std::barrier<Completion> bar{32};
  std::atomic<int> exited{0};
  double slot[32] = {};
};

struct Block {
  explicit Block(int threads, size_t dynamic_size)
      : bar(threads, BlockCompletion{this}), site(threads), dynamic_bytes(dynamic_size) {
    for (int w = 0; w < (threads + 31) / 32; ++w) warps.push_back(std::make_unique<Warp>());
    // NaN floats wherever the kernel reads what it has not written, then a guard.
    dynamic.resize(dynamic_bytes + kGuard, 0xFF);
    std::memset(dynamic.data() + dynamic_bytes, 0x5A, kGuard);
  }
  static constexpr size_t kGuard = 256;
  std::barrier<BlockCompletion> bar;
  std::vector<Site> site;  // where each thread waits (file null: not waiting)
  std::atomic<int> exited{0};
  std::vector<std::unique_ptr<Warp>> warps;
  size_t dynamic_bytes;
  std::vector<unsigned char> dynamic;
  bool guard_intact() const {
    for (size_t i = 0; i < kGuard; ++i)
      if (dynamic[dynamic_bytes + i] != 0x5A) return false;
    return true;
  }
};

inline void BlockCompletion::operator()() noexcept {
  Site first;
  bool waiting = false;
  for (Site& s : block->site) {
    if (!s.file) continue;
    if (!waiting) first = s, waiting = true;
    else if (s.line != first.line || std::strcmp(s.file, first.file) != 0)
      report("divergent __syncthreads: threads wait at line " + std::to_string(first.line) + " and at line " +
             std::to_string(s.line));
    s = Site{};
  }
  if (waiting && block->exited.load() > 0)
    report("__syncthreads at line " + std::to_string(first.line) + " after " + std::to_string(block->exited.load()) +
           " threads of the block returned");
}

inline thread_local Block* t_block = nullptr;
inline thread_local int t_index = 0;
inline thread_local bool t_sequential = false;  // run_without_barriers: one thread after another

inline void sync_threads(const char* file, int line) {
  if (t_sequential) {
    report("__syncthreads at line " + std::to_string(line) + " in a kernel run without barriers");
    return;
  }
  t_block->site[t_index] = Site{file, line};
  t_block->bar.arrive_and_wait();
}

inline void* dynamic_shared() { return t_block->dynamic.data(); }

inline double shfl_down(unsigned mask, double v, unsigned off) {
  if (t_sequential) {
    report("__shfl_down_sync in a kernel run without barriers");
    return v;
  }
  Warp& w = *t_block->warps[t_index / 32];
  const int lane = t_index & 31;
  if (mask != 0xffffffffu) report("__shfl_down_sync with a partial mask");
  if (w.exited.load() > 0) report("__shfl_down_sync in a warp whose lanes have returned");
  w.slot[lane] = v;
  w.bar.arrive_and_wait();
  const double r = lane + off < 32 ? w.slot[lane + off] : v;
  w.bar.arrive_and_wait();
  return r;
}

// Runs kernels: `threads` worker threads (the block size) kept for every launch.
class HostGrid {
 public:
  explicit HostGrid(int threads) : threads_(threads), start_(threads + 1), done_(threads + 1) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
  }
  ~HostGrid() {
    quit_ = true;
    start_.arrive_and_wait();
    for (auto& w : workers_) w.join();
  }
  HostGrid(const HostGrid&) = delete;
  HostGrid& operator=(const HostGrid&) = delete;

  // Runs `body` (which calls the __global__ function) on every thread of every block of `grid`,
  // one block at a time, in `order` (block indices; empty: 0, 1, ...). block must hold `threads`.
  void run(dim3 grid, dim3 block, size_t dynamic, const std::function<void()>& body, std::vector<int> order = {}) {
    if (static_cast<int>(block.x * block.y * block.z) != threads_) {
      report("a launch whose block size differs from the grid's threads");
      return;
    }
    const int blocks = static_cast<int>(grid.x * grid.y * grid.z);
    if (order.empty())
      for (int b = 0; b < blocks; ++b) order.push_back(b);
    body_ = &body;
    grid_ = grid, block_ = block;
    for (int b : order) {
      auto blk = std::make_unique<Block>(threads_, dynamic);
      current_ = blk.get();
      block_index_ = b;
      start_.arrive_and_wait();
      done_.arrive_and_wait();
      if (!blk->guard_intact()) report("a write past the end of the dynamic shared memory");
    }
    current_ = nullptr;
  }

 private:
  void work(int i) {
    for (;;) {
      start_.arrive_and_wait();
      if (quit_) return;
      Block* blk = current_;
      t_block = blk, t_index = i;
      blockDim = block_, gridDim = grid_;
      threadIdx = uint3{i % block_.x, (i / block_.x) % block_.y, i / (block_.x * block_.y)};
      const unsigned b = static_cast<unsigned>(block_index_);
      blockIdx = uint3{b % grid_.x, (b / grid_.x) % grid_.y, b / (grid_.x * grid_.y)};
      (*body_)();
      // The thread has returned: later barriers of its block and warp go on without it.
      blk->exited.fetch_add(1);
      blk->warps[i / 32]->exited.fetch_add(1);
      blk->bar.arrive_and_drop();
      blk->warps[i / 32]->bar.arrive_and_drop();
      t_block = nullptr;
      done_.arrive_and_wait();
    }
  }

  int threads_;
  std::barrier<> start_, done_;
  std::vector<std::thread> workers_;
  const std::function<void()>* body_ = nullptr;
  dim3 grid_, block_;
  Block* current_ = nullptr;
  int block_index_ = 0;
  bool quit_ = false;
};

// For kernels without __syncthreads or shuffles (reported if they have one): every thread of
// every block in turn on the calling thread, which is much faster than HostGrid.
inline void run_without_barriers(dim3 grid, dim3 block, size_t dynamic, const std::function<void()>& body) {
  const int threads = static_cast<int>(block.x * block.y * block.z);
  const unsigned blocks = grid.x * grid.y * grid.z;
  t_sequential = true;
  blockDim = block, gridDim = grid;
  for (unsigned b = 0; b < blocks; ++b) {
    Block blk(threads, dynamic);
    t_block = &blk;
    blockIdx = uint3{b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
    for (int i = 0; i < threads; ++i) {
      t_index = i;
      threadIdx = uint3{i % block.x, (i / block.x) % block.y, i / (block.x * block.y)};
      body();
    }
    if (!blk.guard_intact()) report("a write past the end of the dynamic shared memory");
  }
  t_block = nullptr;
  t_sequential = false;
}

}  // namespace caldera::emu

// ---- the CUDA functions the kernels call ---------------------------------------------------------

#define __syncthreads() ::caldera::emu::sync_threads(__FILE__, __LINE__)

template <class T>
T __ldg(const T* p) {
  ::caldera::emu::check_read(p, sizeof(T));
  return *p;
}
template <class T>
T __ldcg(const T* p) {
  ::caldera::emu::check_read(p, sizeof(T));
  return *p;
}
inline unsigned atomicAdd(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).fetch_add(v); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline double __shfl_down_sync(unsigned mask, double v, unsigned off) { return ::caldera::emu::shfl_down(mask, v, off); }

inline float __uint_as_float(unsigned u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline unsigned __float_as_uint(float f) {
  unsigned u;
  std::memcpy(&u, &f, 4);
  return u;
}
// a + b rounded toward -inf: the nearest sum, one step down where the exact sum is below it (the
// rounding error from Knuth's two-sum, exact in round-to-nearest).
inline float __fadd_rd(float a, float b) {
  volatile float s = a + b;
  const float bb = s - a;
  const float e = (a - (s - bb)) + (b - bb);
  return e < 0 ? std::nextafter(static_cast<float>(s), -INFINITY) : static_cast<float>(s);
}
inline float __saturatef(float x) { return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; }  // NaN -> 0
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __log2f(float x) { return log2f(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const uint64_t v = static_cast<uint64_t>(y) << 32 | x;
  unsigned r = 0;
  for (int n = 0; n < 4; ++n) {
    const unsigned sel = (s >> (4 * n)) & 0xf;
    if (sel & 8) ::caldera::emu::report("__byte_perm's sign-replicating selector is not emulated");
    r |= static_cast<unsigned>((v >> (8 * (sel & 7))) & 0xff) << (8 * n);
  }
  return r;
}
inline int max(int a, int b) { return a > b ? a : b; }
inline int min(int a, int b) { return a < b ? a : b; }
