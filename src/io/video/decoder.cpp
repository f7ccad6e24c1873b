#include "io/video/decoder.hpp"

#include <algorithm>
#include <thread>

#include "io/video/cuda_device.hpp"

namespace caldera::io::av {

Decoder::Decoder(Decoder&& o) noexcept { *this = std::move(o); }
Decoder& Decoder::operator=(Decoder&& o) noexcept {
  ctx_ = std::move(o.ctx_);
  hw_device_ = std::move(o.hw_device_);
  path_ = std::move(o.path_);
  codec_name_ = std::move(o.codec_name_);
  fallback_reason_ = std::move(o.fallback_reason_);
  want_hw_ = o.want_hw_;
  hw_active_ = o.hw_active_;
  drained_ = o.drained_;
  // get_format finds the decoder through the codec context's opaque pointer.
  if (ctx_) ctx_->opaque = this;
  return *this;
}
Decoder::~Decoder() = default;

// FFmpeg offers the formats it can decode to; CUDA is first when NVDEC may take the stream.
// If NVDEC's set-up then fails (an unsupported profile or size), FFmpeg asks again without it.
AVPixelFormat Decoder::pick_format(AVCodecContext* ctx, const AVPixelFormat* formats) {
  auto* self = static_cast<Decoder*>(ctx->opaque);
  bool offered_cuda = false;
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f)
    if (*f == AV_PIX_FMT_CUDA) offered_cuda = true;
  if (self && self->want_hw_ && offered_cuda) {
    self->hw_active_ = true;
    return AV_PIX_FMT_CUDA;
  }
  if (self && self->want_hw_) {
    // Offered before (hw_active_ set) and not now: FFmpeg's NVDEC set-up failed and it asks again.
    const bool setup_failed = self->hw_active_;
    self->hw_active_ = false;
    if (self->fallback_reason_.empty()) {
      if (setup_failed) {
        const std::string detail = take_last_log_lines();
        self->fallback_reason_ = "NVDEC did not start for this stream" + (detail.empty() ? "" : " (FFmpeg: " + detail + ")");
      } else {
        self->fallback_reason_ = "NVDEC does not take this stream's format (chroma format or bit depth)";
      }
    }
  }
  // The first software format: what FFmpeg itself would pick.
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(*f);
    if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL)) return *f;
  }
  return AV_PIX_FMT_NONE;
}

Result<Decoder> Decoder::open(const AVStream* stream, const DecoderOptions& options, const std::string& path) {
  const AVCodecParameters* par = stream->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (!codec)
    return unsupported(path + ": no decoder for the video codec '" + avcodec_get_name(par->codec_id) +
                       "' in this build of FFmpeg");
  Decoder d;
  d.path_ = path;
  d.codec_name_ = codec->name;
  d.ctx_.reset(avcodec_alloc_context3(codec));
  if (!d.ctx_) return out_of_memory(path + ": cannot allocate a decoder");
  int r = avcodec_parameters_to_context(d.ctx_.get(), par);
  if (r < 0) return error(path + ": bad video stream parameters", r);
  d.ctx_->pkt_timebase = stream->time_base;
  d.ctx_->thread_count = options.threads;
  // A damaged stream is an error at the frame where it happens, not silently concealed.
  d.ctx_->err_recognition |= AV_EF_EXPLODE;

  if (options.cuda && options.cuda->is_cuda()) {
    bool codec_has_cuda = false;
    for (int i = 0;; ++i) {
      const AVCodecHWConfig* cfg = avcodec_get_hw_config(codec, i);
      if (!cfg) break;
      if (cfg->device_type == AV_HWDEVICE_TYPE_CUDA && (cfg->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX))
        codec_has_cuda = true;
    }
    if (!codec_has_cuda) {
      d.fallback_reason_ = std::string("this FFmpeg has no NVDEC for ") + codec->name;
    } else {
      // Decoding is ordered on the caller's stream, in the context every Caldera kernel uses,
      // so its work sees the frames without any synchronisation.
      auto dev = make_cuda_device(*options.cuda);
      if (!dev) {
        d.fallback_reason_ = dev.status().message();
      } else {
        d.hw_device_ = std::move(dev).value();
        d.ctx_->hw_device_ctx = av_buffer_ref(d.hw_device_.get());
        d.ctx_->extra_hw_frames = std::max(0, options.frames_held);
        // NVDEC has at most 32 surfaces, and FFmpeg asks for the stream's DPB + 5, the frames we
        // hold, and one per frame thread: 16 threads and 13 held frames do not fit, and the set-up
        // fails. The hardware decodes; the threads only parse, so a few are enough, leaving room
        // for a DPB of up to 8 frames.
        constexpr int kNvdecSurfaces = 32, kDpbAllowance = 8, kFFmpegOwnSurfaces = 5;
        const int wanted = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
        d.ctx_->thread_count = std::clamp(kNvdecSurfaces - kFFmpegOwnSurfaces - kDpbAllowance - d.ctx_->extra_hw_frames,
                                          1, std::max(1, wanted));
        d.want_hw_ = true;
      }
    }
  }
  d.ctx_->opaque = &d;
  d.ctx_->get_format = &Decoder::pick_format;
  r = avcodec_open2(d.ctx_.get(), codec, nullptr);
  if (r < 0) return error(path + ": cannot open the " + codec->name + " decoder", r);
  return d;
}

Status Decoder::send(const AVPacket* packet) {
  const int r = avcodec_send_packet(ctx_.get(), packet);
  if (r == AVERROR_EOF) return Status::ok();  // already draining
  if (r < 0 && r != AVERROR(EAGAIN)) return error(failure_what(), r);
  return Status::ok();
}

Result<bool> Decoder::receive(AVFrame* out) {
  const int r = avcodec_receive_frame(ctx_.get(), out);
  if (r == AVERROR(EAGAIN)) return false;
  if (r == AVERROR_EOF) {
    drained_ = true;
    return false;
  }
  if (r < 0) return error(failure_what(), r);
  return true;
}

// A decoding error names why NVDEC is not decoding, where it was asked for and fell back: FFmpeg's
// own AV1 decoder, for one, decodes nothing without a hardware accelerator, and its error
// ("Function not implemented") says nothing about the NVDEC set-up that failed before it.
std::string Decoder::failure_what() const {
  std::string s = codec_name_ + " decoding failed";
  if (!hw_active_ && !fallback_reason_.empty()) s += " (in software, since " + fallback_reason_ + ")";
  return s;
}

bool Decoder::on_device() const { return hw_active_; }

std::string Decoder::describe() const {
  if (hw_active_) return codec_name_ + " (NVDEC)";
  std::string s = codec_name_ + " (software";
  if (ctx_ && ctx_->thread_count > 1) s += ", " + std::to_string(ctx_->thread_count) + " threads";
  if (!fallback_reason_.empty()) s += ": " + fallback_reason_;
  return s + ")";
}

}  // namespace caldera::io::av
