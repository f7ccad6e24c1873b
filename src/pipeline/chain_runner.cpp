#include "caldera/filter.hpp"

namespace caldera {

Status ChainRunner::prepare(const ImageDesc& in, MemoryKind memory) {
  prepared_ = false;
  buffers_.clear();
  ImageDesc cur = in;
  const size_t n = chain_.filters.size();
  for (size_t i = 0; i < n; ++i) {
    Filter& f = *chain_.filters[i];
    auto next = f.plan(cur);
    if (!next) return next.status().with_context("step " + std::to_string(i + 1));
    cur = *next;
    if (f.is_view() || i + 1 == n) {
      buffers_.emplace_back();
      continue;
    }
    CALDERA_ASSIGN_OR_RETURN(Image buf, Image::create(cur, memory, memory == MemoryKind::Device ? &ctx_ : nullptr));
    buffers_.push_back(std::move(buf));
  }
  out_desc_ = cur;
  prepared_ = true;
  return Status::ok();
}

Status ChainRunner::run(ConstImageView frame, ImageView dst) {
  if (!prepared_) return internal_error("ChainRunner::run before prepare");
  if (dst.width() != out_desc_.width || dst.height() != out_desc_.height || dst.format() != out_desc_.format)
    return internal_error("ChainRunner::run: the destination is not the planned " + std::to_string(out_desc_.width) +
                          "x" + std::to_string(out_desc_.height) + " " + format_name(out_desc_.format));
  ConstImageView cur = frame;
  const size_t n = chain_.filters.size();
  bool written = false;
  for (size_t i = 0; i < n; ++i) {
    Filter& f = *chain_.filters[i];
    if (f.is_view()) {
      CALDERA_ASSIGN_OR_RETURN(cur, f.as_view(cur));
      continue;
    }
    const bool last = i + 1 == n;
    ImageView out = last ? dst : buffers_[i].view();
    Status s = f.run(cur, out, ctx_);
    if (!s) return s.with_context(f.describe());
    cur = out;
    written = last;
  }
  if (!written) CALDERA_RETURN_IF_ERROR(copy_image(cur, dst, ctx_));
  return Status::ok();
}

}  // namespace caldera
