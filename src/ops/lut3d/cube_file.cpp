// .cube files (Adobe Cube LUT Specification 1.0, with Resolve's LUT_3D_INPUT_RANGE): keywords
// first, then size^3 lines of three numbers with red varying fastest. Every error names the line.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "caldera/ops/lut3d.hpp"
#include "core/number_text.hpp"

namespace caldera {
namespace {

constexpr int kMaxSize = 256;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool number(std::string_view s, double* v) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

// "'text'" (built in steps: GCC 12 warns falsely on the one-expression form).
std::string quoted(const std::string& text) {
  std::string q = "'";
  q += text;
  q += "'";
  return q;
}

}  // namespace

Result<Lut3d> Lut3d::parse_cube(std::string_view text, const std::string& name) {
  Lut3d lut;
  int line_no = 0;
  auto bad = [&](const std::string& what) { return invalid_argument(name + ": line " + std::to_string(line_no) + ": " + what); };
  bool have_min = false, have_max = false;
  long expected = 0, data = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    line = trim(line);
    // Comments: whole lines, or the end of a line (a TITLE's quoted text may hold '#').
    if (line.substr(0, 5) != "TITLE")
      if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = trim(line.substr(0, hash));
    if (line.empty()) continue;
    const auto f = fields(line);
    const std::string_view key = f[0];
    const bool is_data = (key.front() >= '0' && key.front() <= '9') || key.front() == '-' || key.front() == '+' || key.front() == '.';
    if (!is_data) {
      if (data > 0) return bad("keyword " + std::string(key) + " after the table data (keywords come first)");
      if (key == "TITLE") {
        if (!lut.title_.empty()) return bad("TITLE given twice");
        std::string_view t = trim(line.substr(5));
        if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
        lut.title_ = std::string(t);
        continue;
      }
      if (key == "LUT_1D_SIZE" || key == "LUT_1D_INPUT_RANGE")
        return bad(std::string(key) + ": 1D LUTs are not supported (this reads LUT_3D_SIZE tables)");
      if (key == "LUT_3D_SIZE") {
        if (lut.size_) return bad("LUT_3D_SIZE given twice");
        double v = 0;
        if (f.size() != 2 || !number(f[1], &v) || v != std::floor(v))
          return bad("LUT_3D_SIZE needs one integer (e.g. LUT_3D_SIZE 33)");
        if (v < 2 || v > kMaxSize) return bad("LUT_3D_SIZE " + std::string(f[1]) + " is outside 2.." + std::to_string(kMaxSize));
        lut.size_ = static_cast<int>(v);
        expected = static_cast<long>(lut.size_) * lut.size_ * lut.size_;
        lut.table_.assign(static_cast<size_t>(expected) * 4, 0.0f);
        continue;
      }
      if (key == "DOMAIN_MIN" || key == "DOMAIN_MAX") {
        std::array<double, 3>& d = key == "DOMAIN_MIN" ? lut.domain_min_ : lut.domain_max_;
        bool& have = key == "DOMAIN_MIN" ? have_min : have_max;
        if (have) return bad(std::string(key) + " given twice");
        if (f.size() != 4) return bad(std::string(key) + " needs three numbers (r g b)");
        for (int c = 0; c < 3; ++c)
          if (!number(f[c + 1], &d[c]) || !std::isfinite(d[c]))
            return bad(std::string(key) + ": '" + std::string(f[c + 1]) + "' is not a finite number");
        have = true;
        continue;
      }
      if (key == "LUT_3D_INPUT_RANGE") {  // Resolve: one range for all three channels
        double lo = 0, hi = 0;
        if (f.size() != 3 || !number(f[1], &lo) || !number(f[2], &hi) || !std::isfinite(lo) || !std::isfinite(hi))
          return bad("LUT_3D_INPUT_RANGE needs two finite numbers (min max)");
        lut.domain_min_ = {lo, lo, lo}, lut.domain_max_ = {hi, hi, hi};
        have_min = have_max = true;
        continue;
      }
      return bad("unknown keyword '" + std::string(key) + "' (known: TITLE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, LUT_3D_INPUT_RANGE)");
    }
    if (!lut.size_) return bad("table data before LUT_3D_SIZE");
    if (data >= expected)
      return bad("more table lines than LUT_3D_SIZE^3 = " + std::to_string(expected));
    if (f.size() != 3) return bad("expected 3 numbers (r g b), found " + std::to_string(f.size()));
    for (int c = 0; c < 3; ++c) {
      double v = 0;
      const std::string text_value(f[c]);
      if (!number(f[c], &v)) return bad(quoted(text_value) + " is not a number");
      if (!std::isfinite(v)) return bad("value " + text_value + " is not finite");
      lut.table_[static_cast<size_t>(data) * 4 + c] = static_cast<float>(v);
    }
    ++data;
  }
  if (!lut.size_) return invalid_argument(name + ": no LUT_3D_SIZE line (not a 3D .cube file?)");
  if (data < expected)
    return invalid_argument(name + ": the table ends after " + std::to_string(data) + " of " + std::to_string(expected) +
                            " lines (LUT_3D_SIZE " + std::to_string(lut.size_) + ")");
  for (int c = 0; c < 3; ++c)
    if (!(lut.domain_min_[c] < lut.domain_max_[c]))
      return invalid_argument(name + ": DOMAIN_MIN must be below DOMAIN_MAX on every channel (channel " +
                              std::to_string(c) + ": " + number_text(lut.domain_min_[c]) + " >= " +
                              number_text(lut.domain_max_[c]) + ")");
  return lut;
}

Result<Lut3d> Lut3d::load_cube(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot open the .cube file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return io_error(path + ": read error");
  return parse_cube(ss.str(), path);
}

}  // namespace caldera
