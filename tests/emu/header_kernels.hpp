// Test support: runs the CUDA kernels of a .cuh header on the host, through the one host emulation
// of CUDA (tests/emu/cuda_emu.hpp: every thread of a block a fiber, blocks one after another,
// barriers, warp intrinsics, __ldg alignment and read ranges checked, AddressSanitizer on every
// access; tests/emu/README.md). The .cu files are rewritten for it by tests/emu/emulate_cu.py;
// kernels in headers (the fused HDR kernels, the pipeline kernel) need no rewriting: include this
// header before any other of the test file, then the kernel's .cuh, and launch through
// emu::HostGrid::run. The tests that do are built into caldera_emu_tests.
//
// The names here are the test files' (caldera::emu); the work is ::emu's.
#pragma once

#if defined(__CUDACC__)
#error "header_kernels.hpp is for the host compiler"
#endif

#include "emu/cuda_emu.hpp"

// The kernels' dynamic shared memory (their headers leave this macro to the emulation).
#define CALDERA_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(::emu::dynamic_shared())

#include <functional>
#include <string>
#include <vector>

namespace caldera::emu {

// Every problem found since the last call (empty: none), and clears them.
inline std::vector<std::string> take_errors() { return ::emu::take_problems(); }

// Loads (__ldg, __ldcg) must lie inside one of the registered ranges until stop_checking_reads().
inline void allow_reads(const void* p, size_t bytes) { ::emu::allow_reads(p, bytes); }
inline void stop_checking_reads() { ::emu::stop_checking_reads(); }

// Launches of a header's kernel: `body` calls the __global__ function with its arguments.
class HostGrid {
 public:
  // Up to 227 KiB of dynamic shared memory: what the fused kernels' launchers opt in to on Hopper.
  static constexpr size_t kSharedOptIn = 227 * 1024;

  explicit HostGrid(int /*max_threads*/ = 1024) {}

  // Blocks run one after another, in `order` (linear block indices) when given, else in the
  // emulation's schedule (emu::set_schedule).
  void run(dim3 grid, dim3 block, size_t dynamic, const std::function<void()>& body, std::vector<int> order = {}) {
    ::emu::set_block_order(std::vector<long long>(order.begin(), order.end()));
    ::emu::set_shared_limit(kSharedOptIn);
    ::emu::launch(grid, block, dynamic, reinterpret_cast<cudaStream_t>(uintptr_t{1}), body, "kernel", __FILE__,
                  __LINE__);
    ::emu::set_shared_limit(48 * 1024);
    (void)::emu::get_last_error();  // a failed launch's problems are in take_errors()
  }
};

}  // namespace caldera::emu
