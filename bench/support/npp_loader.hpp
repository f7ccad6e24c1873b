// Finds and loads the NPP peer plugin (libcaldera_npp_peer.so) for `caldera bench`.
#pragma once

#include <string>

#include "peers/npp_peer.h"

namespace caldera::bench {

struct NppPeerLoad {
  bool loaded = false;
  CalderaNppPeer peer{};
  std::string detail;  // the file loaded, or why none was
};

// Looks in $CALDERA_NPP_PEER (a file), then beside the executable, then the loader's path.
NppPeerLoad load_npp_peer(const std::string& executable_dir);

}  // namespace caldera::bench
