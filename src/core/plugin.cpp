#include "core/plugin.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

namespace caldera {

std::vector<std::string> plugin_candidates(const char* env_var, const std::string& file_name,
                                           const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> out;
  if (const char* env = std::getenv(env_var)) out.emplace_back(env);
  std::error_code ec;
  const auto exe = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path() / file_name).string());
  for (const auto& d : extra_dirs) out.push_back((std::filesystem::path(d) / file_name).string());
  out.push_back(file_name);
  return out;
}

Result<LoadedPlugin> load_plugin(const std::vector<std::string>& candidates, const char* symbol) {
  std::string errors;
  for (const auto& path : candidates) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      errors += std::string(errors.empty() ? "" : "; ") + dlerror();
      continue;
    }
    void* entry = dlsym(h, symbol);
    if (!entry) {
      errors += std::string(errors.empty() ? "" : "; ") + path + " has no " + symbol;
      dlclose(h);
      continue;
    }
    return LoadedPlugin{entry, path};
  }
  return unavailable(errors);
}

}  // namespace caldera
