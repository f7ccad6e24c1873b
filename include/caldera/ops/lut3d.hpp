// 3D LUTs for grading: tables from Adobe/Resolve .cube files (any LUT_3D_SIZE from 2 to 256:
// 17, 33 and 65 are the usual ones; DOMAIN_MIN/MAX, TITLE, comments), applied to R'G'B' with
// trilinear or tetrahedral interpolation. A malformed file is an error naming the line.
// docs/ops/lut3d.md has the details.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class Lut3dInterp : uint8_t { Trilinear, Tetrahedral };
const char* lut3d_interp_name(Lut3dInterp i);
Result<Lut3dInterp> parse_lut3d_interp(std::string_view s);

class Lut3d {
 public:
  Lut3d() = default;
  Lut3d(Lut3d&&) noexcept = default;
  Lut3d& operator=(Lut3d&&) noexcept = default;

  // `name` is how messages refer to the text ("look.cube"): "look.cube: line 12: ...".
  static Result<Lut3d> parse_cube(std::string_view text, const std::string& name = "cube");
  static Result<Lut3d> load_cube(const std::string& path);
  // A table of `size`^3 entries sampled from fn(in, out) over [domain_min, domain_max].
  static Result<Lut3d> from_function(int size, const std::function<void(const double in[3], double out[3])>& fn,
                                     std::array<double, 3> domain_min = {0, 0, 0},
                                     std::array<double, 3> domain_max = {1, 1, 1});

  int size() const { return size_; }
  const std::string& title() const { return title_; }
  const std::array<double, 3>& domain_min() const { return domain_min_; }
  const std::array<double, 3>& domain_max() const { return domain_max_; }
  // Entry (r, g, b) of the grid (red varies fastest in the file), as stored (float).
  std::array<float, 3> entry(int r, int g, int b) const;
  // size^3 entries of 4 floats (R, G, B, unused): the layout the kernels read.
  const float* host_table() const { return table_.data(); }

  // Copies the table to ctx's device (once; waits for the copy). lut3d_cuda needs it there.
  Status upload(Context& ctx);
  const float* device_table() const { return static_cast<const float*>(device_.data()); }
  int device() const { return device_index_; }

 private:
  int size_ = 0;
  std::string title_;
  std::array<double, 3> domain_min_{0, 0, 0}, domain_max_{1, 1, 1};
  std::vector<float> table_;
  DeviceBuffer device_;
  int device_index_ = -1;
};

struct Lut3dParams {
  Lut3dInterp interp = Lut3dInterp::Tetrahedral;
};

// src and dst: the same size, any RGB or YUV format (YUV is decoded to R'G'B' with its matrix and
// range; 4:2:0/4:2:2 chroma per block, as the colour pipeline does). Inputs outside the LUT's
// domain clamp to it; outputs are the table's values (integer formats clamp).
Status check_lut3d(const ImageDesc& src, const ImageDesc& dst, const Lut3d& lut, const Lut3dParams& params);
Status lut3d_reference(ConstImageView src, ImageView dst, const Lut3d& lut, const Lut3dParams& params);
Status lut3d_cuda(ConstImageView src, ImageView dst, const Lut3d& lut, const Lut3dParams& params, Workspace ws,
                  StreamHandle stream);
// Uploads the table at the first device call.
Status apply_lut3d(ConstImageView src, ImageView dst, Lut3d& lut, const Lut3dParams& params, Context& ctx);

}  // namespace caldera
