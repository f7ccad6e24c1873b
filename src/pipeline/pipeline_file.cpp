// Pipeline files: YAML through yaml-cpp, JSON through nlohmann-json, both read into one JSON
// tree and checked against one schema (docs/pipeline.md). This file checks the schema (known
// fields for each stage type, value types); build.cpp checks what the values mean.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "caldera/pipeline/pipeline.hpp"

namespace caldera {
namespace {

using Json = nlohmann::ordered_json;

// YAML scalars stay text (YAML 1.2's core schema would guess types; the schema below reads
// numbers and booleans from text or from JSON's own types alike).
Result<Json> yaml_to_json(const YAML::Node& node, const std::string& where) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return Json(nullptr);
    case YAML::NodeType::Scalar: return Json(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json a = Json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        CALDERA_ASSIGN_OR_RETURN(Json v, yaml_to_json(node[i], where));
        a.push_back(std::move(v));
      }
      return a;
    }
    case YAML::NodeType::Map: {
      Json o = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return invalid_argument(where + ": line " + std::to_string(kv.first.Mark().line + 1) + ": a key must be a name");
        const std::string key = kv.first.Scalar();
        if (o.contains(key))
          return invalid_argument(where + ": line " + std::to_string(kv.first.Mark().line + 1) + ": '" + key + "' is given twice");
        CALDERA_ASSIGN_OR_RETURN(Json v, yaml_to_json(kv.second, where));
        o[key] = std::move(v);
      }
      return o;
    }
  }
  return Json(nullptr);
}

std::string list_of(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Reads the fields of one object, each at most once, and says which were not known.
class Fields {
 public:
  Fields(const Json& object, std::string where) : o_(object), where_(std::move(where)) {}

  Status unknown(const std::vector<std::string>& known) const {
    for (const auto& [key, value] : o_.items()) {
      bool ok = false;
      for (const auto& k : known) ok = ok || k == key;
      if (!ok) return invalid_argument(where_ + ": unknown field '" + key + "' (takes " + list_of(known) + ")");
    }
    return Status::ok();
  }
  bool has(const char* key) const { return o_.contains(key) && !o_[key].is_null(); }
  Status error(const char* key, const std::string& what) const {
    return invalid_argument(where_ + ": field '" + key + "': " + what);
  }

  Result<std::string> text(const char* key, std::string fallback = "") const {
    if (!has(key)) return fallback;
    const Json& v = o_[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number()) return v.dump();
    if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
    return error(key, "must be a single value, not " + std::string(v.is_array() ? "a list" : "a map"));
  }
  Result<long> integer(const char* key, long fallback) const {
    if (!has(key)) return fallback;
    const Json& v = o_[key];
    if (v.is_number_integer()) return static_cast<long>(v.get<long long>());
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      size_t used = 0;
      try {
        const long n = std::stol(s, &used);
        if (used == s.size()) return n;
      } catch (...) {
      }
      return error(key, "'" + s + "' is not a whole number");
    }
    return error(key, "must be a whole number");
  }
  Result<bool> boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const Json& v = o_[key];
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
      if (s == "false" || s == "no" || s == "off" || s == "0") return false;
    }
    return error(key, "must be true or false");
  }
  Result<std::array<float, 3>> triple(const char* key, std::array<float, 3> fallback) const {
    if (!has(key)) return fallback;
    const Json& v = o_[key];
    if (!v.is_array() || v.size() != 3) return error(key, "must be a list of 3 numbers (R, G, B)");
    std::array<float, 3> out{};
    for (size_t i = 0; i < 3; ++i) {
      double d = NAN;
      if (v[i].is_number()) d = v[i].get<double>();
      else if (v[i].is_string()) {
        try {
          size_t used = 0;
          d = std::stod(v[i].get<std::string>(), &used);
          if (used != v[i].get<std::string>().size()) d = NAN;
        } catch (...) {
        }
      }
      if (!std::isfinite(d)) return error(key, "item " + std::to_string(i + 1) + " is not a number");
      out[i] = static_cast<float>(d);
    }
    return out;
  }
  Result<std::map<std::string, std::string>> options(const char* key) const {
    std::map<std::string, std::string> out;
    if (!has(key)) return out;
    const Json& v = o_[key];
    if (!v.is_object()) return error(key, "must be a map of option: value");
    Fields inner(v, where_ + ": field '" + key + "'");
    for (const auto& [k, value] : v.items()) {
      auto t = inner.text(k.c_str());
      if (!t) return t.status();
      out[k] = *t;
    }
    return out;
  }

 private:
  const Json& o_;
  std::string where_;
};

Result<StageKind> parse_kind(const std::string& s) {
  if (s == "source") return StageKind::Source;
  if (s == "operator") return StageKind::Operator;
  if (s == "model") return StageKind::Model;
  if (s == "sink") return StageKind::Sink;
  std::string hint;
  if (s == "decode") hint = "; decoding is the source's work (its device field picks the decoder)";
  if (s == "encode") hint = "; encoding is the sink's work (its options pick the encoder)";
  return invalid_argument("unknown type '" + s + "' (types: source, operator, model, sink" + hint + ")");
}

Result<StageSpec> parse_stage(const Json& j, size_t index, const std::string& file) {
  const std::string number = "stage " + std::to_string(index + 1);
  if (!j.is_object()) return invalid_argument(file + ": " + number + " must be a map of fields");
  StageSpec s;
  Fields f0(j, file + ": " + number);
  CALDERA_ASSIGN_OR_RETURN(s.name, f0.text("name"));
  const std::string where = file + ": " + (s.name.empty() ? number : "stage '" + s.name + "'");
  Fields f(j, where);
  if (!f.has("type")) return f.error("type", "missing (source, operator, model or sink)");
  CALDERA_ASSIGN_OR_RETURN(std::string type, f.text("type"));
  auto kind = parse_kind(type);
  if (!kind) return f.error("type", kind.status().message());
  s.kind = *kind;
  std::vector<std::string> known{"name", "type", "input"};
  switch (s.kind) {
    case StageKind::Source:
      for (const char* k : {"path", "device", "raw_format", "raw_size", "frames", "options"}) known.push_back(k);
      break;
    case StageKind::Operator:
      for (const char* k : {"filter", "options", "device", "workers", "queue"}) known.push_back(k);
      break;
    case StageKind::Model:
      for (const char* k : {"model", "batch", "mean", "std", "device", "workers", "queue"}) known.push_back(k);
      break;
    case StageKind::Sink:
      for (const char* k : {"path", "options", "convert", "device", "workers", "queue"}) known.push_back(k);
      break;
    default: break;
  }
  CALDERA_RETURN_IF_ERROR(f.unknown(known));
  CALDERA_ASSIGN_OR_RETURN(s.input, f.text("input"));
  CALDERA_ASSIGN_OR_RETURN(s.device, f.text("device"));
  CALDERA_ASSIGN_OR_RETURN(long workers, f.integer("workers", 1));
  CALDERA_ASSIGN_OR_RETURN(long queue, f.integer("queue", 0));
  if (workers < 1 || workers > 256) return f.error("workers", "must be 1..256");
  if (queue < 0 || queue > 4096) return f.error("queue", "must be 1..4096 (or 0 for the default)");
  s.workers = static_cast<int>(workers);
  s.queue = static_cast<int>(queue);
  CALDERA_ASSIGN_OR_RETURN(s.path, f.text("path"));
  // `path: null` (YAML's null, or JSON's) is the sink that drops its frames, as "null" is.
  if (s.kind == StageKind::Sink && j.contains("path") && j["path"].is_null()) s.path = "null";
  CALDERA_ASSIGN_OR_RETURN(s.raw_format, f.text("raw_format"));
  CALDERA_ASSIGN_OR_RETURN(s.raw_size, f.text("raw_size"));
  CALDERA_ASSIGN_OR_RETURN(s.frames, f.integer("frames", -1));
  if (f.has("frames") && s.frames < 1) return f.error("frames", "must be positive");
  CALDERA_ASSIGN_OR_RETURN(s.filter, f.text("filter"));
  CALDERA_ASSIGN_OR_RETURN(s.options, f.options("options"));
  CALDERA_ASSIGN_OR_RETURN(s.model, f.text("model"));
  CALDERA_ASSIGN_OR_RETURN(long batch, f.integer("batch", 1));
  if (batch < 1 || batch > 1024) return f.error("batch", "must be 1..1024");
  s.batch = static_cast<int>(batch);
  CALDERA_ASSIGN_OR_RETURN(s.mean, f.triple("mean", s.mean));
  CALDERA_ASSIGN_OR_RETURN(s.std, f.triple("std", s.std));
  CALDERA_ASSIGN_OR_RETURN(s.convert, f.boolean("convert", false));
  if (s.kind == StageKind::Source && s.path.empty()) return f.error("path", "missing (the file to read)");
  if (s.kind == StageKind::Sink && s.path.empty()) return f.error("path", "missing (the file to write, or null)");
  if (s.kind == StageKind::Operator && s.filter.empty()) return f.error("filter", "missing (a filter name, e.g. resize)");
  if (s.kind == StageKind::Model && s.model.empty()) return f.error("model", "missing (a model name or path)");
  return s;
}

Result<PipelineSpec> parse_tree(const Json& root, const std::string& file) {
  if (!root.is_object()) return invalid_argument(file + ": the file must hold a map with a 'stages' list");
  Fields f(root, file);
  CALDERA_RETURN_IF_ERROR(f.unknown({"version", "device", "frames_in_flight", "stages"}));
  CALDERA_ASSIGN_OR_RETURN(long version, f.integer("version", 1));
  if (version != 1) return f.error("version", std::to_string(version) + " is not known (this Caldera reads version 1)");
  PipelineSpec spec;
  CALDERA_ASSIGN_OR_RETURN(spec.device, f.text("device", "auto"));
  CALDERA_ASSIGN_OR_RETURN(long in_flight, f.integer("frames_in_flight", 0));
  if (in_flight < 0 || in_flight > 4096) return f.error("frames_in_flight", "must be 1..4096 (or 0 to choose)");
  spec.frames_in_flight = static_cast<int>(in_flight);
  if (!f.has("stages") || !root["stages"].is_array() || root["stages"].empty())
    return f.error("stages", "must be a list of stages");
  const Json& stages = root["stages"];
  for (size_t i = 0; i < stages.size(); ++i) {
    CALDERA_ASSIGN_OR_RETURN(StageSpec s, parse_stage(stages[i], i, file));
    spec.stages.push_back(std::move(s));
  }
  return spec;
}

}  // namespace

Result<PipelineSpec> parse_pipeline(const std::string& text, const std::string& name, bool json) {
  Json root;
  if (json) {
    try {
      root = Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      return invalid_argument(name + ": not valid JSON: " + e.what());
    }
  } else {
    try {
      const YAML::Node doc = YAML::Load(text);
      CALDERA_ASSIGN_OR_RETURN(root, yaml_to_json(doc, name));
    } catch (const YAML::Exception& e) {
      return invalid_argument(name + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                              std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
    }
  }
  return parse_tree(root, name);
}

Result<PipelineSpec> load_pipeline_file(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext != ".yaml" && ext != ".yml" && ext != ".json")
    return invalid_argument("pipeline file '" + path + "': the name must end in .yaml, .yml or .json");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open pipeline file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return io_error("cannot read pipeline file '" + path + "'");
  return parse_pipeline(text.str(), path, ext == ".json");
}

}  // namespace caldera
