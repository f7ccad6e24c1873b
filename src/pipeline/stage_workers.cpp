// The workers of source, operator, transfer and sink stages. Each serves one thread; the
// scheduler waits for its inputs' producers before process() and records its use of them after.
#include "pipeline/graph.hpp"

namespace caldera::pipeline {
namespace {

std::string desc_text(const ImageDesc& d) {
  return std::to_string(d.width) + "x" + std::to_string(d.height) + " " + format_name(d.format);
}

class SourceStageWorker : public SourceWorker {
 public:
  SourceStageWorker(MediaSource& source, long max_frames, std::shared_ptr<BufferPool> pool)
      : source_(source), max_frames_(max_frames), pool_(std::move(pool)) {}

  Result<bool> produce(Packet& out, Context& ctx) override {
    if (max_frames_ >= 0 && produced_ >= max_frames_) return false;
    // The pool's image is one the source reuses (it has the source's description and memory);
    // a source may instead hand over its decoder's own buffer, which the pool then drops.
    // A source that hands over its own images gets no buffer allocated for it.
    CALDERA_ASSIGN_OR_RETURN(std::shared_ptr<Lease> lease, pool_->acquire(ctx, !source_.info().hands_over_images));
    Frame f;
    f.image = std::move(lease->image());
    Result<bool> more = source_.read(f);
    lease->image() = std::move(f.image);
    if (!more) return more.status();
    if (!*more) return false;
    const ImageDesc& want = source_.info().desc;
    const ImageDesc& got = lease->image().desc();
    if (got.width != want.width || got.height != want.height || got.format != want.format)
      return unsupported("frame " + std::to_string(produced_) + " is " + desc_text(got) + ", not the " +
                         desc_text(want) + " the source started with (size changes are not supported)");
    CALDERA_RETURN_IF_ERROR(lease->produced(ctx));  // a device source queued its writes on ctx
    out = Packet{};
    out.seq = produced_++;
    out.index = f.index;
    out.pts = f.pts;
    out.duration = f.duration;
    out.time_base = f.time_base;
    out.name = std::move(f.name);
    out.passthrough = std::move(f.passthrough);
    out.view = lease->image().cview();
    out.lease = std::move(lease);
    return true;
  }

 private:
  MediaSource& source_;
  const long max_frames_;
  std::shared_ptr<BufferPool> pool_;
  long produced_ = 0;
};

class FilterStageWorker : public StageWorker {
 public:
  FilterStageWorker(std::unique_ptr<Filter> filter, std::shared_ptr<BufferPool> pool)
      : filter_(std::move(filter)), pool_(std::move(pool)) {}

  Status process(std::vector<Packet>& in, std::vector<Packet>& out, Context& ctx) override {
    for (Packet& p : in) {
      if (filter_->is_view()) {
        // A view of the same buffer: nothing runs, the lease travels on.
        CALDERA_ASSIGN_OR_RETURN(ConstImageView v, filter_->as_view(p.view));
        out.push_back(p.with_picture(p.lease, v));
        continue;
      }
      CALDERA_ASSIGN_OR_RETURN(std::shared_ptr<Lease> lease, pool_->acquire(ctx));
      Status s = filter_->run(p.view, lease->image().view(), ctx);
      if (!s) return s.with_context(filter_->describe());
      CALDERA_RETURN_IF_ERROR(lease->produced(ctx));
      const ConstImageView v = lease->image().cview();
      out.push_back(p.with_picture(std::move(lease), v));
    }
    return Status::ok();
  }

 private:
  std::unique_ptr<Filter> filter_;
  std::shared_ptr<BufferPool> pool_;
};

// Upload and download: one copy on the stage's own stream, so copies overlap the kernels of
// the stages around them.
class TransferStageWorker : public StageWorker {
 public:
  explicit TransferStageWorker(std::shared_ptr<BufferPool> pool) : pool_(std::move(pool)) {}

  Status process(std::vector<Packet>& in, std::vector<Packet>& out, Context& ctx) override {
    for (Packet& p : in) {
      CALDERA_ASSIGN_OR_RETURN(std::shared_ptr<Lease> lease, pool_->acquire(ctx));
      CALDERA_RETURN_IF_ERROR(copy_image(p.view, lease->image().view(), ctx));
      CALDERA_RETURN_IF_ERROR(lease->produced(ctx));
      const ConstImageView v = lease->image().cview();
      out.push_back(p.with_picture(std::move(lease), v));
    }
    return Status::ok();
  }

 private:
  std::shared_ptr<BufferPool> pool_;
};

class SinkStageWorker : public StageWorker {
 public:
  explicit SinkStageWorker(std::shared_ptr<MediaSink> sink) : sink_(std::move(sink)) {}

  Status process(std::vector<Packet>& in, std::vector<Packet>&, Context&) override {
    for (Packet& p : in) CALDERA_RETURN_IF_ERROR(sink_->write(p.to_frame()));
    return Status::ok();
  }

 private:
  std::shared_ptr<MediaSink> sink_;
};

}  // namespace

std::unique_ptr<SourceWorker> make_source_worker(MediaSource& source, long max_frames, std::shared_ptr<BufferPool> pool) {
  return std::make_unique<SourceStageWorker>(source, max_frames, std::move(pool));
}
std::unique_ptr<StageWorker> make_filter_worker(std::unique_ptr<Filter> filter, std::shared_ptr<BufferPool> pool) {
  return std::make_unique<FilterStageWorker>(std::move(filter), std::move(pool));
}
std::unique_ptr<StageWorker> make_transfer_worker(std::shared_ptr<BufferPool> pool) {
  return std::make_unique<TransferStageWorker>(std::move(pool));
}
std::unique_ptr<StageWorker> make_sink_worker(std::shared_ptr<MediaSink> sink) {
  return std::make_unique<SinkStageWorker>(std::move(sink));
}

}  // namespace caldera::pipeline
