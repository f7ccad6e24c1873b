#include "nn/import/ncnn/ncnn_import.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_map>

#include "nn/import/ncnn/ncnn_importer.hpp"

namespace caldera::nn::ncnn {
namespace {

Result<std::vector<uint8_t>> read_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("cannot open the ncnn " + std::string(what) + " file '" + path + "'");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return io_error("error reading '" + path + "'");
  return bytes;
}

}  // namespace

Result<ImportResult> import_ncnn(std::string_view param_text, std::span<const uint8_t> bin, const std::string& param_name,
                                 const std::string& bin_name) {
  CALDERA_ASSIGN_OR_RETURN(ParamFile file, parse_param_text(param_text, param_name));
  WeightReader reader(bin, bin_name);
  detail::Importer importer(file, reader, param_name);
  CALDERA_ASSIGN_OR_RETURN(ir::Graph graph, importer.run());
  std::string stem = std::filesystem::path(param_name).stem().string();
  graph.name = stem.empty() ? param_name : stem;
  return ImportResult{std::move(graph), reader.stats()};
}

Result<ImportResult> import_ncnn_files(const std::string& param_path, const std::string& bin_path) {
  std::string bin = bin_path;
  if (bin.empty()) {
    std::filesystem::path p(param_path);
    if (p.extension() != ".param")
      return invalid_argument("ncnn model '" + param_path + "': expected a .param file (or give the .bin path too)");
    bin = p.replace_extension(".bin").string();
  }
  CALDERA_ASSIGN_OR_RETURN(std::vector<uint8_t> param_bytes, read_file(param_path, ".param"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<uint8_t> bin_bytes, read_file(bin, ".bin"));
  const std::string_view text(reinterpret_cast<const char*>(param_bytes.data()), param_bytes.size());
  return import_ncnn(text, bin_bytes, param_path, bin);
}

}  // namespace caldera::nn::ncnn
