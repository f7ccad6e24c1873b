#include "core/number_text.hpp"

#include <fmt/format.h>

namespace caldera {

std::string number_text(double v) { return fmt::format("{}", v); }

}  // namespace caldera
