#include "support/npp_loader.hpp"

#include "core/plugin.hpp"

namespace caldera::bench {

NppPeerLoad load_npp_peer(const std::string& executable_dir) {
  NppPeerLoad out;
  auto plugin = load_plugin(plugin_candidates("CALDERA_NPP_PEER", "libcaldera_npp_peer.so",
                                              {executable_dir, executable_dir + "/../bench"}),
                            CALDERA_NPP_PEER_INIT_SYMBOL);
  if (!plugin) {
    out.detail = "NPP peer plugin not found (" + plugin.status().message() + ")";
    return out;
  }
  auto init = reinterpret_cast<CalderaNppPeerInitFn>(plugin->entry);
  if (init(&out.peer) != 0) {
    out.detail = plugin->path + ": " CALDERA_NPP_PEER_INIT_SYMBOL " failed";
    return out;
  }
  out.loaded = true;
  out.detail = plugin->path;
  return out;  // the library stays loaded for the process's life: the peer's functions live there
}

}  // namespace caldera::bench
