#include <charconv>
#include <cmath>
#include <set>

#include "caldera/filter.hpp"

namespace caldera {

Status FilterOptions::only(std::initializer_list<const char*> allowed) const {
  const std::set<std::string> ok(allowed.begin(), allowed.end());
  for (const auto& [key, value] : values_) {
    if (ok.count(key)) continue;
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    return invalid_argument(filter_ + ": unknown option '" + key + "' (takes " + (list.empty() ? "no options" : list) + ")");
  }
  return Status::ok();
}

std::string FilterOptions::str(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

Result<int> FilterOptions::integer(const std::string& key, int fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return invalid_argument(filter_ + ": option " + key + "='" + s + "' is not an integer");
  return v;
}

Result<double> FilterOptions::real(const std::string& key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || !std::isfinite(v))
    return invalid_argument(filter_ + ": option " + key + "='" + s + "' is not a number");
  return v;
}

Result<bool> FilterOptions::boolean(const std::string& key, bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  if (s == "1" || s == "true" || s == "on" || s == "yes") return true;
  if (s == "0" || s == "false" || s == "off" || s == "no") return false;
  return invalid_argument(filter_ + ": option " + key + "='" + s + "' is not a boolean (use 0 or 1)");
}

int subsampling_step(PixelFormat format, bool vertical) {
  const FormatInfo& fi = format_info(format);
  int s = 0;
  for (int p = 0; p < fi.num_planes; ++p) s = std::max(s, vertical ? fi.planes[p].sub_y : fi.planes[p].sub_x);
  return 1 << s;
}

}  // namespace caldera
