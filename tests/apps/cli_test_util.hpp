// Running the `caldera` command from tests: where the binary is, and its exit code and output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace caldera {

namespace fs = std::filesystem;

// The caldera binary: beside this test executable (the GPU runner's bundle) or in the build tree.
inline fs::path caldera_binary() {
  std::error_code ec;
  const fs::path self = fs::canonical("/proc/self/exe", ec).parent_path();
  for (const fs::path& p : {self / "caldera", self / ".." / "bin" / "caldera", fs::path(CALDERA_BINARY_DIR) / "bin" / "caldera"})
    if (fs::exists(p, ec)) return p;
  return {};
}

struct CliRun {
  int exit_code;
  std::string output;
};

inline CliRun run_caldera(const std::string& args) {
  const fs::path bin = caldera_binary();
  const fs::path log = fs::temp_directory_path() / ("caldera_cli_test_" + std::to_string(::getpid()) + ".log");
  const std::string cmd = bin.string() + " " + args + " > " + log.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(log);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

}  // namespace caldera
