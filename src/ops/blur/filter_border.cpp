// FilterBorder names.
#include "caldera/ops/filter_border.hpp"

#include <cctype>
#include <string>

namespace caldera {

const char* filter_border_name(FilterBorder b) {
  switch (b) {
    case FilterBorder::Replicate: return "replicate";
    case FilterBorder::Reflect: return "reflect";
    case FilterBorder::Reflect101: return "reflect101";
    case FilterBorder::Constant: return "constant";
  }
  return "unknown";
}

Result<FilterBorder> parse_filter_border(std::string_view s) {
  std::string l(s);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "replicate") return FilterBorder::Replicate;
  if (l == "reflect") return FilterBorder::Reflect;
  if (l == "reflect101" || l == "reflect_101" || l == "default") return FilterBorder::Reflect101;
  if (l == "constant") return FilterBorder::Constant;
  return invalid_argument("unknown border '" + std::string(s) + "' (known: replicate, reflect, reflect101, constant)");
}

}  // namespace caldera
