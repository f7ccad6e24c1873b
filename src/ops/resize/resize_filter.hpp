// Shared by the filters that resize (resize, letterbox): interp= and antialias= options.
#pragma once

#include "caldera/filter.hpp"
#include "caldera/ops/resize.hpp"

namespace caldera {

Result<ResizeParams> resize_params_from(const FilterOptions& options);

}  // namespace caldera
