// Internal: numbers in messages. std::to_string(double) writes six fixed decimals ("-1.000000",
// "0.000000" for 1e-7); number_text writes the shortest form that reads back as the same value
// ("-1", "0.25", "1e-07"), so an error says the value the user gave.
#pragma once

#include <string>

namespace caldera {

std::string number_text(double v);

}  // namespace caldera
