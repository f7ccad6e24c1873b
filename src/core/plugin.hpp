// Optional libraries Caldera loads at run time (the NPP benchmark peer, the nvJPEG decoder):
// built where their vendor headers exist, so Caldera itself never links them.
#pragma once

#include <string>
#include <vector>

#include "caldera/status.hpp"

namespace caldera {

struct LoadedPlugin {
  void* entry = nullptr;  // the address of the symbol asked for
  std::string path;       // the file that was loaded
};

// The places to look for `file_name`: $env_var (a file) when set, then beside the running
// executable, then each of `extra_dirs`, then the loader's own search path.
std::vector<std::string> plugin_candidates(const char* env_var, const std::string& file_name,
                                           const std::vector<std::string>& extra_dirs = {});

// Loads the first candidate that dlopen takes and that exports `symbol` (the library then stays
// loaded for the life of the process); Unavailable listing what was tried otherwise.
Result<LoadedPlugin> load_plugin(const std::vector<std::string>& candidates, const char* symbol);

}  // namespace caldera
