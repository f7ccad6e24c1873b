// Filters: the operators of a `--vf` chain ("resize=w=1280:h=720:interp=bicubic,convert=nv12")
// and of a pipeline's operator stages, found by name in one registry. Every operator folder
// registers its own filters (src/ops/<op>/*_filter.cpp, one `caldera_add_filters` line in its
// CMakeLists.txt), so adding an operator touches no central list.
//
// A filter plans its output description from its input before any frame is touched, so a
// whole chain is checked up front, and then runs frame after frame.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera {

// The key=value options of one filter, checked against the keys the filter takes.
class FilterOptions {
 public:
  FilterOptions() = default;
  FilterOptions(std::string filter, std::map<std::string, std::string> values)
      : filter_(std::move(filter)), values_(std::move(values)) {}

  const std::string& filter() const { return filter_; }
  const std::map<std::string, std::string>& values() const { return values_; }
  // An error naming the first key that is not in `allowed`, and what the filter takes.
  Status only(std::initializer_list<const char*> allowed) const;
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  std::string str(const std::string& key, const std::string& fallback = "") const;
  Result<int> integer(const std::string& key, int fallback) const;
  Result<double> real(const std::string& key, double fallback) const;
  Result<bool> boolean(const std::string& key, bool fallback) const;
  // An error "<filter>: <what>" for a bad option value.
  Status bad(const std::string& what) const { return invalid_argument(filter_ + ": " + what); }

 private:
  std::string filter_;
  std::map<std::string, std::string> values_;
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string describe() const = 0;
  // The output description for frames of `in`, or an error naming the filter and the problem.
  virtual Result<ImageDesc> plan(const ImageDesc& in) const = 0;
  // Runs from src into dst (dst has plan()'s description and lives where src lives).
  // Filters may keep per-instance state (a model session): one instance serves one thread.
  virtual Status run(ConstImageView src, ImageView dst, Context& ctx) = 0;
  // Filters that only take a view of their input (crop) return it here instead of running.
  virtual bool is_view() const { return false; }
  virtual Result<ConstImageView> as_view(ConstImageView src) const { return unsupported("not a view filter"); }
};

using FilterFactory = std::function<Result<std::unique_ptr<Filter>>(const FilterOptions&)>;

struct FilterInfo {
  std::string name;
  std::vector<std::string> aliases;  // other names that make the same filter ("scale" for resize)
  std::string main_option;           // the option a bare first value stands for (flip=h -> mode=h)
  std::string usage;                 // one help line: "resize=w=W:h=H[:interp=...]  what it does"
  FilterFactory make;
};

class FilterRegistry {
 public:
  // Every filter this build has, registered on first use.
  static const FilterRegistry& builtin();

  Status add(FilterInfo info);
  // Ok unless a built-in filter failed to register (a name registered twice: a bug).
  const Status& init_status() const { return init_status_; }
  const FilterInfo* find(std::string_view name) const;
  std::string known_names() const;  // "resize, convert, crop, ..."
  std::string help() const;         // the usage lines
  // A filter from its name and options; unknown names and options are errors that say what exists.
  Result<std::unique_ptr<Filter>> make(const std::string& name, const std::map<std::string, std::string>& options) const;

 private:
  std::vector<FilterInfo> filters_;
  Status init_status_;
};

struct FilterChain {
  std::vector<std::unique_ptr<Filter>> filters;
};

// One filter of a chain as its text names it: the registered name and the options. The registry
// makes any number of instances from it (a pipeline stage with several workers needs one each).
struct FilterSpec {
  std::string name;
  std::map<std::string, std::string> options;
};

// Splits "name=opt=v:opt=v,name2=..." into filter specs (filters split by ',', options by ':', a
// bare first option is the filter's main option). Names are checked against the registry;
// option values are checked when a filter is made from the spec.
Result<std::vector<FilterSpec>> parse_filter_specs(const std::string& text,
                                                   const FilterRegistry& registry = FilterRegistry::builtin());
// Parses a chain and makes its filters.
Result<FilterChain> parse_filter_chain(const std::string& text, const FilterRegistry& registry = FilterRegistry::builtin());

// Runs a chain on one frame at a time: intermediates are allocated once in prepare(), where the
// frames live (device or host), and reused for every frame; the last filter writes straight
// into the caller's destination.
class ChainRunner {
 public:
  ChainRunner(FilterChain& chain, Context& ctx) : chain_(chain), ctx_(ctx) {}
  Status prepare(const ImageDesc& in, MemoryKind memory);
  // Runs every filter on `frame` into `dst` (output_desc()'s size and format, in the memory
  // given to prepare()). A chain that ends in a view filter, or has none, copies into dst.
  Status run(ConstImageView frame, ImageView dst);
  const ImageDesc& output_desc() const { return out_desc_; }

 private:
  FilterChain& chain_;
  Context& ctx_;
  std::vector<Image> buffers_;  // one per filter; empty for view filters and for the last one
  ImageDesc out_desc_{};
  bool prepared_ = false;
};

// The subsampling step of a format along one axis (2 for 4:2:0 chroma), so sizes and offsets
// that filters choose keep chroma aligned.
int subsampling_step(PixelFormat format, bool vertical);

}  // namespace caldera
