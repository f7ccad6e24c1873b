#include "support/npp_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <vector>

namespace caldera::bench {

NppPeerLoad load_npp_peer(const std::string& executable_dir) {
  NppPeerLoad out;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("CALDERA_NPP_PEER")) candidates.emplace_back(env);
  candidates.push_back(executable_dir + "/libcaldera_npp_peer.so");
  candidates.push_back(executable_dir + "/../bench/libcaldera_npp_peer.so");
  candidates.emplace_back("libcaldera_npp_peer.so");
  std::string errors;
  for (const auto& path : candidates) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      errors += std::string(errors.empty() ? "" : "; ") + dlerror();
      continue;
    }
    auto init = reinterpret_cast<CalderaNppPeerInitFn>(dlsym(h, CALDERA_NPP_PEER_INIT_SYMBOL));
    if (!init || init(&out.peer) != 0) {
      errors += "; " + path + ": no usable " CALDERA_NPP_PEER_INIT_SYMBOL;
      dlclose(h);
      continue;
    }
    out.loaded = true;
    out.detail = path;
    return out;  // the handle stays open for the process's life: the peer's functions live there
  }
  out.detail = "NPP peer plugin not found (" + errors + ")";
  return out;
}

}  // namespace caldera::bench
