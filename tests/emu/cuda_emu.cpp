// Test-only: the scheduler of the host CUDA emulation (cuda_emu.hpp). One OS thread; each CUDA
// thread of the running block is a fiber with its own stack.
#include "emu/cuda_emu.hpp"

#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define EMU_ASAN 1
#else
#define EMU_ASAN 0
#endif

// Switching fibers: on x86-64 a minimal switch of the callee-saved registers (swapcontext makes a
// signal-mask system call per switch, and AddressSanitizer's interceptor of it clears the shadow of
// the whole target stack every time, which made the emulation several times slower); ucontext
// elsewhere.
#if defined(__x86_64__)
#define EMU_FAST_SWITCH 1
extern "C" void emu_switch_stack(void** save_sp, void* new_sp);
asm(R"(
.text
.globl emu_switch_stack
.type emu_switch_stack,@function
emu_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size emu_switch_stack,.-emu_switch_stack
.section .note.GNU-stack,"",@progbits
.text
)");
#else
#define EMU_FAST_SWITCH 0
#endif

namespace emu {

uint3 g_block_idx;
dim3 g_block_dim, g_grid_dim;

namespace {

constexpr size_t kStackBytes = 128 * 1024;
constexpr size_t kStackTopBytes = 16 * 1024;  // where a finished fiber's last frames lie
constexpr int kMaxThreads = 1024;

enum class State { Ready, Barrier, Warp, Done };

struct Fiber {
#if EMU_FAST_SWITCH
  void* sp = nullptr;
#else
  ucontext_t ctx;
#endif
  uint3 tid;
  int linear = 0;
  State state = State::Ready;
  const char* file = "";
  int line = 0;
  WarpOp op = WarpOp::Ballot;
  unsigned mask = 0;
  uint64_t value = 0, result = 0;
  int arg = 0;
  char* stack = nullptr;
};

struct Emu {
  Schedule schedule = Schedule::Forward;
  std::mt19937_64 rng{1};
  std::vector<std::string> problems;
  int launches = 0;
  cudaError_t last_error = cudaSuccess;
  // The running launch.
  std::vector<Fiber> fibers;
  std::vector<char*> stacks;
  const std::function<void()>* body = nullptr;
  Fiber* cur = nullptr;
#if EMU_FAST_SWITCH
  void* sched_sp = nullptr;
#else
  ucontext_t sched;
#endif
  bool stacks_dirty = false;  // a failed launch left frames (and their poison) on the stacks
  std::vector<uint8_t> dyn_shared;
  size_t shared_limit = 48 * 1024;
  std::vector<long long> block_order;  // the next launch's, consumed by it
  bool check_reads = false;
  std::map<uintptr_t, uintptr_t> readable;  // begin -> end: a lookup per load, so ordered
  bool failed = false;  // a problem stopped the running launch
  const char* kernel = "";
#if EMU_ASAN
  const void* sched_stack_bottom = nullptr;
  size_t sched_stack_size = 0;
#endif
};

Emu& emu() {
  static Emu e;
  return e;
}

char* stack_for(int i) {
  Emu& e = emu();
  while (static_cast<int>(e.stacks.size()) <= i) {
    void* p = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    e.stacks.push_back(static_cast<char*>(p));
  }
  return e.stacks[i];
}

void to_scheduler(bool finished) {
  Emu& e = emu();
#if EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(finished ? nullptr : &fake, e.sched_stack_bottom, e.sched_stack_size);
#endif
#if EMU_FAST_SWITCH
  emu_switch_stack(&e.cur->sp, e.sched_sp);
#else
  swapcontext(&e.cur->ctx, &e.sched);
#endif
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

void fiber_main() {
  Emu& e = emu();
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &e.sched_stack_bottom, &e.sched_stack_size);
#endif
  (*e.body)();
  e.cur->state = State::Done;
  to_scheduler(true);
}

void run_fiber(Fiber& f) {
  Emu& e = emu();
  e.cur = &f;
#if EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f.stack, kStackBytes);
#endif
#if EMU_FAST_SWITCH
  emu_switch_stack(&e.sched_sp, f.sp);
#else
  swapcontext(&e.sched, &f.ctx);
#endif
#if EMU_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  e.cur = nullptr;
}

std::string where(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

void fail(const std::string& what) {
  Emu& e = emu();
  e.problems.push_back(std::string(e.kernel) + " block (" + std::to_string(g_block_idx.x) + "," +
                       std::to_string(g_block_idx.y) + "," + std::to_string(g_block_idx.z) + "): " + what);
  e.failed = true;
}

// Completes the warp operations of every warp whose mask lanes have all arrived; false if none did.
bool resolve_warps(int nthreads) {
  Emu& e = emu();
  bool any = false;
  for (int w0 = 0; w0 < nthreads; w0 += 32) {
    const int n = std::min(32, nthreads - w0);
    Fiber* lane[32] = {};
    for (int l = 0; l < n; ++l) lane[l] = &e.fibers[w0 + l];
    int waiting = -1;
    for (int l = 0; l < n; ++l)
      if (lane[l]->state == State::Warp) waiting = l;
    if (waiting < 0) continue;
    const Fiber& ref = *lane[waiting];
    bool complete = true;
    for (int l = 0; l < 32; ++l) {
      if (!(ref.mask >> l & 1u)) continue;
      if (l >= n) {
        fail(where(ref.file, ref.line) + ": warp mask names lane " + std::to_string(l) + " that the block does not have");
        return false;
      }
      const Fiber& f = *lane[l];
      if (f.state == State::Done) {
        fail(where(ref.file, ref.line) + ": warp intrinsic with mask lane " + std::to_string(l) + " already exited");
        return false;
      }
      if (f.state != State::Warp) {
        complete = false;
        continue;
      }
      if (f.op != ref.op || f.mask != ref.mask || f.line != ref.line || std::strcmp(f.file, ref.file) != 0) {
        fail("lanes of one warp meet different warp intrinsics: " + where(ref.file, ref.line) + " and " +
             where(f.file, f.line));
        return false;
      }
    }
    if (!complete) continue;
    uint64_t ballot = 0;
    for (int l = 0; l < n; ++l)
      if (ref.mask >> l & 1u) ballot |= (lane[l]->value & 1u) << l;
    for (int l = 0; l < n; ++l) {
      if (!(ref.mask >> l & 1u)) continue;
      Fiber& f = *lane[l];
      int src = l;
      switch (f.op) {
        case WarpOp::ShflUp: src = l - f.arg >= 0 ? l - f.arg : l; break;
        case WarpOp::ShflDown: src = l + f.arg < 32 ? l + f.arg : l; break;
        case WarpOp::ShflIdx: src = f.arg & 31; break;
        case WarpOp::ShflXor: src = (l ^ f.arg) & 31; break;
        case WarpOp::Ballot: break;
      }
      if (f.op == WarpOp::Ballot) {
        f.result = ballot;
      } else {
        if (src >= n || !(ref.mask >> src & 1u)) {
          fail(where(f.file, f.line) + ": lane " + std::to_string(l) + " reads lane " + std::to_string(src) +
               ", which is not in the shuffle");
          return false;
        }
        f.result = lane[src]->value;
      }
      f.state = State::Ready;
    }
    any = true;
  }
  return any;
}

// Releases the block barrier when every live thread waits at it; false (with a problem) if the
// block cannot go on.
bool resolve_barrier(int nthreads) {
  Emu& e = emu();
  int at_barrier = 0, done = 0;
  const Fiber* first = nullptr;
  for (int i = 0; i < nthreads; ++i) {
    const Fiber& f = e.fibers[i];
    if (f.state == State::Barrier) {
      ++at_barrier;
      if (!first) first = &f;
      else if (f.line != first->line || std::strcmp(f.file, first->file) != 0) {
        fail("threads of one block wait at different barriers: " + where(first->file, first->line) + " and " +
             where(f.file, f.line));
        return false;
      }
    } else if (f.state == State::Done) {
      ++done;
    }
  }
  if (at_barrier == 0) {
    fail("deadlock: a warp intrinsic waits for lanes that never arrive");
    return false;
  }
  if (at_barrier + done != nthreads) {
    fail("deadlock: threads wait at " + where(first->file, first->line) + " while others wait at a warp intrinsic");
    return false;
  }
  if (done) {
    fail("__syncthreads at " + where(first->file, first->line) + " reached by " + std::to_string(at_barrier) + " of " +
         std::to_string(nthreads) + " threads; the others have exited (undefined behaviour)");
    return false;
  }
  for (int i = 0; i < nthreads; ++i) e.fibers[i].state = State::Ready;
  return true;
}

void run_block(int nthreads) {
  Emu& e = emu();
  for (int i = 0; i < nthreads; ++i) {
    Fiber& f = e.fibers[i];
    f.linear = i;
    f.tid = make_uint3(i % g_block_dim.x, i / g_block_dim.x % g_block_dim.y, i / (g_block_dim.x * g_block_dim.y));
    f.state = State::Ready;
    f.stack = stack_for(i);
#if EMU_ASAN
    // A finished fiber never returns from fiber_main and to_scheduler, so their redzones stay
    // poisoned near the top of its stack; the next block's frames there (a kernel with a larger
    // frame) would read as overflows. A failed launch leaves whole frames.
    if (e.stacks_dirty) ASAN_UNPOISON_MEMORY_REGION(f.stack, kStackBytes);
    else ASAN_UNPOISON_MEMORY_REGION(f.stack + kStackBytes - kStackTopBytes, kStackTopBytes);
#endif
#if EMU_FAST_SWITCH
    // The frame emu_switch_stack pops: control words, six registers, then fiber_main as the return
    // address, placed so that fiber_main starts with the stack alignment of a call.
    uint64_t* top = reinterpret_cast<uint64_t*>(f.stack + kStackBytes) - 1;
    *top = 0;  // fiber_main's own (never used) return address
    *--top = reinterpret_cast<uint64_t>(&fiber_main);  // 16-byte aligned slot: entry as after a call
    for (int r = 0; r < 6; ++r) *--top = 0;
    uint32_t words[2] = {0, 0};
    asm volatile("stmxcsr %0" : "=m"(words[0]));
    asm volatile("fnstcw %0" : "=m"(words[1]));
    uint64_t control = 0;
    std::memcpy(&control, words, 8);
    *--top = control;
    f.sp = top;
#else
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = kStackBytes;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, fiber_main, 0);
#endif
  }
  e.stacks_dirty = false;
  // NaN bytes (float and half) at every block's start: a read the block did not write first shows.
  if (!e.dyn_shared.empty()) std::fill(e.dyn_shared.begin(), e.dyn_shared.end(), 0xFF);
  std::vector<int> order(nthreads);
  std::iota(order.begin(), order.end(), 0);
  if (e.schedule == Schedule::Reverse) std::reverse(order.begin(), order.end());
  while (!e.failed) {
    if (e.schedule == Schedule::Shuffled) std::shuffle(order.begin(), order.end(), e.rng);
    // Run every ready thread until it blocks; in the shuffled schedule a thread that yields at an
    // atomic is ready again at once, so keep going until none is.
    bool ran = true;
    while (ran && !e.failed) {
      ran = false;
      for (int i : order)
        if (e.fibers[i].state == State::Ready) {
          run_fiber(e.fibers[i]);
          ran = true;
        }
    }
    if (e.failed) break;
    bool all_done = true;
    for (int i = 0; i < nthreads; ++i) all_done &= e.fibers[i].state == State::Done;
    if (all_done) break;
    if (resolve_warps(nthreads)) continue;
    if (e.failed || !resolve_barrier(nthreads)) break;
  }
}

}  // namespace

void set_schedule(Schedule s, uint64_t seed) {
  emu().schedule = s;
  emu().rng.seed(seed);
}

std::vector<std::string> take_problems() {
  std::vector<std::string> p;
  p.swap(emu().problems);
  return p;
}

int take_launch_count() {
  const int n = emu().launches;
  emu().launches = 0;
  return n;
}

void report(const std::string& problem) {
  Emu& e = emu();
  if (e.cur) fail(problem);
  else e.problems.push_back(problem);
}

const uint3& thread_idx() {
  static const uint3 none{0, 0, 0};
  Emu& e = emu();
  if (!e.cur) {
    report("threadIdx read outside a kernel");
    return none;
  }
  return e.cur->tid;
}

void* dynamic_shared() {
  Emu& e = emu();
  return e.dyn_shared.empty() ? nullptr : e.dyn_shared.data();
}

void syncthreads(const char* file, int line) {
  Emu& e = emu();
  if (!e.cur) return report(where(file, line) + ": __syncthreads outside a kernel");
  e.cur->state = State::Barrier;
  e.cur->file = file;
  e.cur->line = line;
  to_scheduler(false);
}

uint64_t warp_op(WarpOp op, unsigned mask, uint64_t value, int arg, const char* file, int line) {
  Emu& e = emu();
  if (!e.cur) {
    report(where(file, line) + ": warp intrinsic outside a kernel");
    return 0;
  }
  Fiber& f = *e.cur;
  f.state = State::Warp;
  f.op = op;
  f.mask = mask;
  f.value = value;
  f.arg = arg;
  f.file = file;
  f.line = line;
  to_scheduler(false);
  return e.cur->result;
}

void maybe_yield() {
  Emu& e = emu();
  if (!e.cur || e.schedule != Schedule::Shuffled) return;
  if (e.rng() % 3 != 0) return;
  // Stays ready: the scheduler's inner loop resumes it after the others have run a little.
  to_scheduler(false);
}

void launch(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream, const std::function<void()>& body,
            const char* kernel, const char* file, int line) {
  Emu& e = emu();
  ++e.launches;
  const std::string at = std::string(kernel) + " launched at " + where(file, line);
  const long long threads = static_cast<long long>(block.x) * block.y * block.z;
  std::string bad;
  if (!stream) bad = "the default stream (launches take the caller's stream)";
  else if (threads < 1 || threads > kMaxThreads || block.x > 1024 || block.y > 1024 || block.z > 64)
    bad = "block " + std::to_string(block.x) + "x" + std::to_string(block.y) + "x" + std::to_string(block.z);
  else if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.x > 0x7FFFFFFFu || grid.y > 65535 || grid.z > 65535)
    bad = "grid " + std::to_string(grid.x) + "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z);
  else if (shared_bytes > e.shared_limit)
    bad = std::to_string(shared_bytes) + " bytes of dynamic shared memory (the limit is " +
          std::to_string(e.shared_limit) + (e.shared_limit == 48 * 1024 ? ": no opt-in above 48 KiB)" : ")");
  std::vector<long long> order;
  order.swap(e.block_order);
  const long long nblocks = static_cast<long long>(grid.x) * grid.y * grid.z;
  if (bad.empty() && !order.empty()) {
    std::vector<char> seen(static_cast<size_t>(nblocks), 0);
    bool ok = static_cast<long long>(order.size()) == nblocks;
    for (long long b : order) ok = ok && b >= 0 && b < nblocks && !seen[b]++;
    if (!ok) bad = "the block order does not name each of the " + std::to_string(nblocks) + " blocks once";
  }
  if (!bad.empty()) {
    e.problems.push_back(at + ": invalid launch: " + bad);
    e.last_error = cudaErrorInvalidConfiguration;
    return;
  }
  e.kernel = kernel;
  e.fibers.assign(static_cast<size_t>(threads), Fiber{});
  e.dyn_shared.assign(shared_bytes, 0);
  e.dyn_shared.shrink_to_fit();  // exactly the launch's bytes, so AddressSanitizer sees any overrun
  e.body = &body;
  e.failed = false;
  g_block_dim = block;
  g_grid_dim = grid;
  for (long long k = 0; k < nblocks && !e.failed; ++k) {
    const long long b = !order.empty() ? order[k] : e.schedule == Schedule::Reverse ? nblocks - 1 - k : k;
    g_block_idx = make_uint3(static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                             static_cast<unsigned>(b / (static_cast<long long>(grid.x) * grid.y)));
    run_block(static_cast<int>(threads));
  }
  if (e.failed) {
    e.problems.back() = at + ": " + e.problems.back();
    e.last_error = cudaErrorLaunchFailure;
    e.stacks_dirty = true;
  }
  e.body = nullptr;
  e.kernel = "";
}

void set_shared_limit(size_t bytes) { emu().shared_limit = bytes; }
void set_block_order(std::vector<long long> order) { emu().block_order = std::move(order); }

void allow_reads(const void* p, size_t bytes) {
  Emu& e = emu();
  e.check_reads = true;
  const auto b = reinterpret_cast<uintptr_t>(p);
  auto& end = e.readable[b];
  end = std::max<uintptr_t>(end, b + bytes);
}

void stop_checking_reads() {
  Emu& e = emu();
  e.check_reads = false;
  e.readable.clear();
}

void check_read(const void* p, size_t bytes, const char* file, int line) {
  Emu& e = emu();
  if (!e.check_reads) return;
  const auto b = reinterpret_cast<uintptr_t>(p);
  auto it = e.readable.upper_bound(b);  // the first range starting after b; the one before may hold it
  if (it != e.readable.begin() && b + bytes <= std::prev(it)->second) return;
  report(where(file, line) + ": a " + std::to_string(bytes) + "-byte load outside every readable range");
}

cudaError_t get_last_error() {
  Emu& e = emu();
  const cudaError_t r = e.last_error;
  e.last_error = cudaSuccess;
  return r;
}

cudaError_t memcpy2d_async(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                           cudaMemcpyKind kind, cudaStream_t stream) {
  if (!stream) report("cudaMemcpy2DAsync on the default stream");
  if (width > dpitch || width > spitch) return cudaErrorInvalidPitchValue;
  for (size_t y = 0; y < height; ++y)
    std::memmove(static_cast<uint8_t*>(dst) + y * dpitch, static_cast<const uint8_t*>(src) + y * spitch, width);
  (void)kind;
  return cudaSuccess;
}

cudaError_t memset_async(void* dst, int value, size_t bytes, cudaStream_t stream) {
  if (!stream) report("cudaMemsetAsync on the default stream");
  std::memset(dst, value, bytes);
  return cudaSuccess;
}

}  // namespace emu
