// Model io metadata: how frames enter and leave a network, for the models that do not map an
// image to `scale` x its size by themselves (internal to src/nn/).
//
// waifu2x's and Real-CUGAN's networks use unpadded ("valid") convolutions: they consume a border
// of the input and need sizes their stride-2 layers halve exactly, and Real-CUGAN's 4x network
// gives a residual that the caller adds to the nearest-upscaled input. waifu2x-ncnn-vulkan and
// realcugan-ncnn-vulkan hard-code that per model folder and scale in their C++; an ncnn .param
// cannot say it. Caldera reads it from a small text file next to the model,
// <stem>.io (scripts/fetch-models.sh writes one for the models that need it):
//
//   # comment
//   scale=2            # the output is scale x the input (required, 1..16)
//   border=18          # input pixels the network consumes on each side (default 0)
//   border_mode=edge   # how the border is made: edge (replicate, as the ncnn tools) or reflect
//   align=2            # the bordered input is rounded up to a multiple of this (default 1)
//   residual=nearest   # the output adds the input upscaled by nearest neighbour (default none)
//
// and folds it into the graph at load: Input -> Pad (the border, the alignment) -> network ->
// Slice to scale x the input (-> + nearest-upscaled input), so every runtime, output_shape()
// and the sr filter see a plain scale-x model. The Input's declared width and height (ncnn's
// converters write a tile size there) are dropped: the network is a sliding window. The result
// is checked by shape inference at two sizes.
#pragma once

#include <optional>
#include <string>

#include "caldera/status.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn {

struct ModelIoMeta {
  int scale = 1;
  int border = 0;
  bool reflect = false;  // border_mode=reflect (else edge)
  int align = 1;
  bool residual_nearest = false;
  std::string source;    // the file it came from (for messages and the dump)

  // "border 18 (edge), align 2, scale 2, + nearest-upscaled input"
  std::string describe() const;
};

// Parses the text of an .io file; `source` names it in errors.
Result<ModelIoMeta> parse_model_io(const std::string& text, const std::string& source);
// The .io file next to an ncnn .param (same path, extension .io), or nullopt when there is none.
Result<std::optional<ModelIoMeta>> read_model_io_for(const std::string& param_path);
// Wraps the graph (one input, one output) as described above; errors name the source file.
Status apply_model_io(ir::Graph& g, const ModelIoMeta& meta);

}  // namespace caldera::nn
