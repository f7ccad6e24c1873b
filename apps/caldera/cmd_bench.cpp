#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "caldera/commands.hpp"
#include "caldera/device_info.hpp"
#include "support/bench.hpp"
#include "support/npp_loader.hpp"

namespace caldera::app {
namespace {

std::string num(double v, const char* f = "{:.1f}") { return std::isnan(v) ? "-" : fmt::format(fmt::runtime(f), v); }

struct Table {
  std::vector<std::vector<std::string>> cells;
};

Table make_table(const std::vector<bench::BenchRow>& rows, double copy_gbps) {
  Table t;
  t.cells.push_back({"group", "op", "size", "ours us", "GB/s", "% copy BW", "peer us", "peer/ours", "peer", "note"});
  for (const auto& r : rows) {
    const double gbps = r.bytes / (r.ours_us * 1e-6) / 1e9;
    t.cells.push_back({r.group, r.op, r.size, num(r.ours_us), num(gbps, "{:.0f}"), num(100.0 * gbps / copy_gbps, "{:.0f}%"),
                       num(r.peer_us), std::isnan(r.peer_us) ? "-" : fmt::format("{:.2f}x", r.peer_us / r.ours_us),
                       r.peer.empty() ? "-" : r.peer, r.note});
  }
  return t;
}

void print_text(const Table& t) {
  std::vector<size_t> w(t.cells[0].size(), 0);
  for (const auto& row : t.cells)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  for (const auto& row : t.cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += fmt::format("{:<{}}  ", row[i], w[i]);
    fmt::print("{}\n", line);
  }
}

std::string markdown(const Table& t) {
  std::string out;
  for (size_t r = 0; r < t.cells.size(); ++r) {
    out += "|";
    for (const auto& c : t.cells[r]) out += " " + c + " |";
    out += "\n";
    if (r == 0) {
      out += "|";
      for (size_t i = 0; i < t.cells[0].size(); ++i) out += " --- |";
      out += "\n";
    }
  }
  return out;
}

}  // namespace

int bench_command(const BenchOptions& o) {
  auto ctx = Context::cuda(0, 256u << 20);
  if (!ctx) {
    print_error("caldera bench needs a CUDA GPU: " + ctx.status().message());
    return 1;
  }
  const SystemInfo sys = probe_system();
  bench::BenchEnv env;
  env.ctx = &*ctx;
  env.reps = o.reps;
  env.warmup = o.warmup;
  env.filter = o.filter;
  bench::NppPeerLoad npp = bench::load_npp_peer(o.executable_dir);
  if (npp.loaded) env.npp = &npp.peer;

  const std::string device = sys.devices.empty() ? "?" : sys.devices[0].name;
  fmt::print("caldera bench on {} (driver {}, runtime {}); NPP peer: {}\n", device, cuda_version_string(sys.driver_version),
             cuda_version_string(sys.runtime_version),
             npp.loaded ? fmt::format("NPP {} ({})", npp.peer.version, npp.detail) : npp.detail);
  auto copy = bench::measure_copy_gbps(env, size_t{1} << 30);
  if (!copy) {
    print_error("measuring copy bandwidth: " + copy.status().to_string());
    return 1;
  }
  fmt::print("device-to-device copy bandwidth (1 GiB, read + write): {:.0f} GB/s\n\n", *copy);

  int failures = 0;
  for (const auto& b : bench::registered_benchmarks()) {
    Status s = b.fn(env);
    if (!s) {
      ++failures;
      print_error(fmt::format("benchmark {} failed: {}", b.name, s.to_string()));
    }
  }
  const Table t = make_table(env.rows, *copy);
  print_text(t);
  if (!o.markdown_out.empty()) {
    std::ofstream md(o.markdown_out);
    md << "Device: " << device << ", driver " << cuda_version_string(sys.driver_version) << ", copy bandwidth "
       << fmt::format("{:.0f}", *copy) << " GB/s; medians of " << o.reps << " calls timed with CUDA events.\n\n"
       << markdown(t);
  }
  if (!o.json_out.empty()) {
    nlohmann::json j;
    j["device"] = device;
    j["copy_gbps"] = *copy;
    j["npp"] = npp.loaded ? npp.peer.version : "";
    for (const auto& r : env.rows)
      j["rows"].push_back({{"group", r.group}, {"op", r.op}, {"size", r.size}, {"ours_us", r.ours_us}, {"bytes", r.bytes},
                           {"peer_us", std::isnan(r.peer_us) ? nlohmann::json() : nlohmann::json(r.peer_us)},
                           {"peer", r.peer}, {"note", r.note}});
    std::ofstream(o.json_out) << j.dump(2) << "\n";
  }
  return failures ? 1 : 0;
}

}  // namespace caldera::app
