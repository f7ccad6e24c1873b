// Shared by the neighbourhood filters' option parsing: the border= and planes= options.
#pragma once

#include "caldera/filter.hpp"
#include "caldera/ops/filter_border.hpp"

namespace caldera {

// The border= option (an error naming the filter for an unknown name), or `fallback`.
Result<FilterBorder> filter_border_from(const FilterOptions& options, FilterBorder fallback);
// The planes= option (all or luma), or `fallback`.
Result<PlaneSet> planes_from(const FilterOptions& options, PlaneSet fallback);

}  // namespace caldera
