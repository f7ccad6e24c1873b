// Peer-test helpers for OpenCV: wrapping our planes as cv::Mat without copies, the matching
// border constant, and a difference summary (largest difference, how many samples differ).
// Included only by tests/peers/*.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <string>

#include "caldera/image.hpp"
#include "caldera/ops/filter_border.hpp"

namespace caldera::testing {

inline cv::Mat wrap_plane(ConstImageView img, int plane, int cv_type) {
  const int w = plane_width(img.format(), plane, img.width()), h = plane_height(img.format(), plane, img.height());
  return cv::Mat(h, w, cv_type, const_cast<uint8_t*>(img.plane(plane).data), img.plane(plane).pitch);
}

inline int cv_border(FilterBorder b) {
  switch (b) {
    case FilterBorder::Replicate: return cv::BORDER_REPLICATE;
    case FilterBorder::Reflect: return cv::BORDER_REFLECT;
    case FilterBorder::Reflect101: return cv::BORDER_REFLECT_101;
    case FilterBorder::Constant: return cv::BORDER_CONSTANT;
  }
  return cv::BORDER_DEFAULT;
}

struct OpenCvDiff {
  double max_abs = 0;
  long differing = 0;
  long samples = 0;
  void add(const OpenCvDiff& o) {
    max_abs = std::max(max_abs, o.max_abs);
    differing += o.differing;
    samples += o.samples;
  }
  double fraction() const { return samples ? double(differing) / samples : 0; }
  std::string to_string() const {
    return "max diff " + std::to_string(max_abs) + ", " + std::to_string(differing) + " of " + std::to_string(samples) +
           " samples differ (" + std::to_string(100.0 * fraction()) + "%)";
  }
};

// Plane 0 of `ours` (8-bit) against an OpenCV result of the same shape and type.
inline OpenCvDiff diff_with(ConstImageView ours, const cv::Mat& want) {
  OpenCvDiff d;
  const cv::Mat got = wrap_plane(ours, 0, want.type());
  cv::Mat diff;
  cv::absdiff(got, want, diff);
  diff = diff.reshape(1);
  cv::minMaxLoc(diff, nullptr, &d.max_abs);
  d.differing = cv::countNonZero(diff);
  d.samples = static_cast<long>(diff.total());
  return d;
}

}  // namespace caldera::testing
