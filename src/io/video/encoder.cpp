#include "io/video/encoder.hpp"

#include "io/video/cuda_device.hpp"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
#include <libavutil/opt.h>
}

#include <cuda_runtime.h>

#include <cmath>
#include <map>
#include <mutex>
#include <cstring>

namespace caldera::io::av {
namespace {

std::string default_codec(const std::string& container) { return container == ".webm" ? "vp9" : "h264"; }

// Software encoders for a codec, best first.
std::vector<const char*> software_encoders(const std::string& codec) {
  if (codec == "h264") return {"libx264"};
  if (codec == "hevc" || codec == "h265") return {"libx265"};
  if (codec == "av1") return {"libsvtav1", "libaom-av1"};
  if (codec == "vp9") return {"libvpx-vp9"};
  return {};
}

std::string nvenc_name(const std::string& codec) {
  if (codec == "h264") return "h264_nvenc";
  if (codec == "hevc" || codec == "h265") return "hevc_nvenc";
  if (codec == "av1") return "av1_nvenc";
  return "";
}

// Opens `name` on a small frame to learn whether this GPU has the engine (the H100 and H200
// have NVDEC but no NVENC; opening fails there). The encoder gets Caldera's CUDA device, so that
// the probe creates no CUDA context of its own (NVENC would otherwise make one, which costs a
// large part of a second on a big GPU); the answer is kept per encoder and device for the process.
std::string probe_nvenc(const AVCodec* codec, const Context& cuda) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, int>, std::string> answers;
  const std::pair<std::string, int> key{codec->name, cuda.device()};
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = answers.find(key); it != answers.end()) return it->second;
  std::string why;
  CodecContext c(avcodec_alloc_context3(codec));
  if (!c) return "cannot allocate an encoder";
  c->width = 256;
  c->height = 256;
  c->pix_fmt = AV_PIX_FMT_NV12;
  c->time_base = AVRational{1, 25};
  av_opt_set_int(c->priv_data, "gpu", cuda.device(), 0);
  auto device = make_cuda_device(cuda);
  if (device) c->hw_device_ctx = av_buffer_ref(device->get());
  const int r = avcodec_open2(c.get(), codec, nullptr);
  if (r < 0) why = error_detail(r);
  answers[key] = why;
  return why;
}

}  // namespace

std::vector<std::string> available_encoders() {
  std::vector<std::string> names;
  for (const char* codec : {"h264", "hevc", "av1", "vp9"}) {
    const std::vector<const char*> soft = software_encoders(codec);
    std::vector<std::string> candidates(soft.begin(), soft.end());
    if (const std::string hw = nvenc_name(codec); !hw.empty()) candidates.push_back(hw);
    for (const std::string& name : candidates)
      if (avcodec_find_encoder_by_name(name.c_str())) names.push_back(name);
  }
  return names;
}

namespace {

bool is_supported_by(const AVCodec* codec, AVPixelFormat f) {
  if (!codec->pix_fmts) return true;
  for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p)
    if (*p == f) return true;
  return false;
}

}  // namespace

Result<Encoder> Encoder::choose(const SinkOptions& options, const std::string& container, const std::string& path) {
  init_logging();
  Encoder e;
  e.options_ = options;
  e.path_ = path;
  e.cuda_ = options.encode_context && options.encode_context->is_cuda() ? options.encode_context : nullptr;
  std::string codec = options.codec.empty() ? default_codec(container) : options.codec;
  if (codec == "h265") codec = "hevc";

  if (!options.encoder.empty()) {
    e.codec_ = avcodec_find_encoder_by_name(options.encoder.c_str());
    if (!e.codec_ || e.codec_->type != AVMEDIA_TYPE_VIDEO)
      return invalid_argument("--encoder " + options.encoder + ": this build of FFmpeg has no such video encoder");
    e.hardware_ = std::string(e.codec_->name).find("_nvenc") != std::string::npos;
    if (e.hardware_) {
      if (!e.cuda_) return invalid_argument("--encoder " + options.encoder + " needs the job on the GPU (--device cuda)");
      const std::string why = probe_nvenc(e.codec_, *e.cuda_);
      if (!why.empty()) return unavailable("--encoder " + options.encoder + ": NVENC does not open on this GPU: " + why);
    }
  } else {
    const std::vector<const char*> soft = software_encoders(codec);
    if (soft.empty()) return invalid_argument("--codec " + codec + " is not one of h264, hevc, av1, vp9");
    if (e.cuda_) {
      const std::string hw = nvenc_name(codec);
      const AVCodec* nv = hw.empty() ? nullptr : avcodec_find_encoder_by_name(hw.c_str());
      if (!nv) {
        e.note_ = "this FFmpeg has no NVENC encoder for " + codec;
      } else {
        const std::string why = probe_nvenc(nv, *e.cuda_);
        if (why.empty()) {
          e.codec_ = nv;
          e.hardware_ = true;
        } else {
          e.note_ = "NVENC is not available on this GPU (" + why + ")";
        }
      }
    }
    if (!e.codec_) {
      for (const char* name : soft)
        if ((e.codec_ = avcodec_find_encoder_by_name(name))) break;
      if (!e.codec_) return unsupported("this build of FFmpeg has no " + codec + " encoder (" + soft[0] + ")");
      if (!e.note_.empty()) e.note_ += ": encoding with " + std::string(e.codec_->name) + " on the CPU";
    }
  }
  // What the encoder takes that Caldera has: frames in any of these need no conversion.
  for (PixelFormat f : {PixelFormat::I420, PixelFormat::NV12, PixelFormat::YUV420P10, PixelFormat::P010,
                        PixelFormat::I422, PixelFormat::I444, PixelFormat::NV21, PixelFormat::Gray8})
    if (is_supported_by(e.codec_, to_av_pixel_format(f))) e.formats_.push_back(f);
  if (e.hardware_) e.formats_ = {PixelFormat::NV12, PixelFormat::P010};  // the device-frame layouts
  if (!options.pixel_format.empty()) {
    const AVPixelFormat want = av_get_pix_fmt(options.pixel_format.c_str());
    auto f = want == AV_PIX_FMT_NONE ? std::nullopt : from_av_pixel_format(want);
    if (!f) return invalid_argument("--pix-fmt " + options.pixel_format + " is not a pixel format Caldera encodes from (yuv420p, yuv420p10le, nv12, p010le, yuv422p, yuv444p)");
    bool ok = false;
    for (PixelFormat g : e.formats_) ok = ok || g == *f;
    if (!ok) return invalid_argument("--pix-fmt " + options.pixel_format + ": " + e.codec_->name + " does not take it");
    e.formats_ = {*f};
  }
  if (e.formats_.empty()) return unsupported(std::string(e.codec_->name) + " takes none of Caldera's pixel formats");
  return e;
}

bool Encoder::accepts(PixelFormat f) const {
  for (PixelFormat g : formats_)
    if (g == f) return true;
  return false;
}

PixelFormat Encoder::preferred(const ImageDesc& produced) const {
  const FormatInfo& fi = format_info(produced.format);
  const bool deep = fi.bit_depth > 8 || fi.bit_depth == 0;
  // Keep the depth the frames have where the encoder can.
  for (PixelFormat want : deep ? std::vector<PixelFormat>{PixelFormat::YUV420P10, PixelFormat::P010}
                               : std::vector<PixelFormat>{PixelFormat::I420, PixelFormat::NV12})
    if (accepts(want)) return want;
  return formats_.front();
}

Status Encoder::set_private_option(const char* key, const std::string& value) {
  const int r = av_opt_set(ctx_->priv_data, key, value.c_str(), 0);
  if (r == AVERROR_OPTION_NOT_FOUND)
    return invalid_argument(std::string(codec_->name) + " has no option '" + key + "'");
  if (r < 0) return invalid_argument(std::string(codec_->name) + ": " + key + "=" + value + " is refused (" + error_text(r) + ")");
  return Status::ok();
}

Status Encoder::open(const ImageDesc& desc, const MediaInfo& source, bool global_header) {
  if (!accepts(desc.format)) return internal_error(std::string(codec_->name) + " was given " + format_name(desc.format) + " frames");
  ctx_.reset(avcodec_alloc_context3(codec_));
  if (!ctx_) return out_of_memory("cannot allocate an encoder");
  AVCodecContext* c = ctx_.get();
  c->width = desc.width;
  c->height = desc.height;
  c->time_base = source.time_base.valid() ? to_av(source.time_base) : AVRational{1, 25};
  if (source.frame_rate.valid()) c->framerate = to_av(source.frame_rate);
  if (source.sample_aspect.valid()) c->sample_aspect_ratio = to_av(source.sample_aspect);
  color_to_av(desc.color, c->colorspace, c->color_range, c->color_trc, c->color_primaries, c->chroma_sample_location);
  c->thread_count = options_.threads;
  if (options_.gop > 0) c->gop_size = options_.gop;
  if (options_.bitrate > 0) c->bit_rate = options_.bitrate;
  if (global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const std::string name = codec_->name;
  if (!options_.preset.empty()) {
    // libvpx and libaom have no "preset": their speed knob is cpu-used (a number), and libvpx's
    // deadline (good, best, realtime).
    const bool numeric = options_.preset.find_first_not_of("-0123456789") == std::string::npos;
    if (name == "libvpx-vp9" || name == "libaom-av1")
      CALDERA_RETURN_IF_ERROR(set_private_option(numeric || name == "libaom-av1" ? "cpu-used" : "deadline", options_.preset));
    else
      CALDERA_RETURN_IF_ERROR(set_private_option("preset", options_.preset));
  }
  if (options_.crf >= 0) {
    char v[32];
    std::snprintf(v, sizeof v, "%g", options_.crf);
    if (hardware_) {
      CALDERA_RETURN_IF_ERROR(set_private_option("rc", "vbr"));
      CALDERA_RETURN_IF_ERROR(set_private_option("cq", v));
    } else {
      CALDERA_RETURN_IF_ERROR(set_private_option("crf", v));
    }
  }
  if (name == "libx265") {
    // x265 prints its banner and statistics straight to stderr; errors only. It writes the HDR10
    // SEI only from its own parameters.
    std::string p = "log-level=error";
    if (desc.color.transfer == Transfer::PQ && !desc.color.hdr.empty())
      p += ":hdr10=1:repeat-headers=1:" + x265_hdr_params(desc.color.hdr);
    CALDERA_RETURN_IF_ERROR(set_private_option("x265-params", p));
  }

  if (hardware_) {
    CALDERA_ASSIGN_OR_RETURN(hw_device_, make_cuda_device(*cuda_));
    AVBufferRef* dev = hw_device_.get();
    AVBufferRef* frames = av_hwframe_ctx_alloc(dev);
    if (!frames) return out_of_memory("NVENC: cannot allocate a frame pool");
    hw_frames_.reset(frames);
    auto* fc = reinterpret_cast<AVHWFramesContext*>(frames->data);
    fc->format = AV_PIX_FMT_CUDA;
    fc->sw_format = to_av_pixel_format(desc.format);
    fc->width = desc.width;
    fc->height = desc.height;
    fc->initial_pool_size = 0;  // the CUDA pool grows on demand
    const int fr = av_hwframe_ctx_init(frames);
    if (fr < 0) return error("NVENC: cannot set up the frame pool", fr);
    c->pix_fmt = AV_PIX_FMT_CUDA;
    c->hw_frames_ctx = av_buffer_ref(frames);
  } else {
    c->pix_fmt = to_av_pixel_format(desc.format);
  }
  const int r = avcodec_open2(c, codec_, nullptr);
  if (r < 0) return error(path_ + ": cannot open the " + name + " encoder for " + std::to_string(desc.width) + "x" +
                              std::to_string(desc.height) + " " + format_name(desc.format),
                          r);
  return Status::ok();
}

Status Encoder::copy_into_frame(const Frame& frame, AVFrame* dst) {
  ConstImageView src = frame.image.view();
  const FormatInfo& fi = format_info(src.format());
  if (hardware_) {
    if (!src.on_device()) return internal_error("NVENC was given a host frame");
    int r = av_hwframe_get_buffer(hw_frames_.get(), dst, 0);
    if (r < 0) return error("NVENC: no free input surface", r);
    for (int p = 0; p < fi.num_planes; ++p) {
      const cudaError_t e = cudaMemcpy2DAsync(dst->data[p], dst->linesize[p], src.plane(p).data, src.plane(p).pitch,
                                              plane_row_bytes(src.format(), p, src.width()),
                                              plane_height(src.format(), p, src.height()), cudaMemcpyDeviceToDevice,
                                              cuda_->stream());
      if (e != cudaSuccess) return {StatusCode::CudaError, std::string("NVENC input copy: ") + cudaGetErrorString(e)};
    }
    // NVENC reads the surface as soon as the frame is sent.
    return cuda_->synchronize();
  }
  if (!is_host_memory(src.memory())) return internal_error(std::string(codec_->name) + " was given a device frame");
  // The encoder may keep a reference to the frame it was sent; a new buffer then.
  if (dst->buf[0] && !av_frame_is_writable(dst)) av_frame_unref(dst);
  if (!dst->buf[0]) {
    dst->format = ctx_->pix_fmt;
    dst->width = ctx_->width;
    dst->height = ctx_->height;
    const int r = av_frame_get_buffer(dst, 0);
    if (r < 0) return error("cannot allocate an encoder frame", r);
  }
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row = plane_row_bytes(src.format(), p, src.width());
    for (int y = 0; y < plane_height(src.format(), p, src.height()); ++y)
      std::memcpy(dst->data[p] + static_cast<size_t>(dst->linesize[p]) * y, src.row(p, y), row);
  }
  return Status::ok();
}

Status Encoder::send(const Frame& frame) {
  const ImageDesc& d = frame.image.desc();
  if (d.width != ctx_->width || d.height != ctx_->height)
    return invalid_argument(path_ + ": frame " + std::to_string(frame.index) + " is " + std::to_string(d.width) + "x" +
                            std::to_string(d.height) + " but the stream is " + std::to_string(ctx_->width) + "x" +
                            std::to_string(ctx_->height));
  AVFrame* f = staging_.get();
  if (hardware_) av_frame_unref(f);
  CALDERA_RETURN_IF_ERROR(copy_into_frame(frame, f));
  f->pts = frame.pts == kNoTimestamp ? frames_sent_
                                     : av_rescale_q(frame.pts, to_av(frame.time_base), ctx_->time_base);
  f->color_range = ctx_->color_range;
  f->colorspace = ctx_->colorspace;
  f->color_trc = ctx_->color_trc;
  f->color_primaries = ctx_->color_primaries;
  f->chroma_location = ctx_->chroma_sample_location;
  const int r = avcodec_send_frame(ctx_.get(), f);
  if (r < 0) return error(path_ + ": encoding frame " + std::to_string(frame.index) + " failed", r);
  ++frames_sent_;
  return Status::ok();
}

Status Encoder::flush() {
  if (flushed_) return Status::ok();
  flushed_ = true;
  const int r = avcodec_send_frame(ctx_.get(), nullptr);
  if (r < 0 && r != AVERROR_EOF) return error(path_ + ": flushing the encoder failed", r);
  return Status::ok();
}

Result<bool> Encoder::receive(AVPacket* packet) {
  const int r = avcodec_receive_packet(ctx_.get(), packet);
  if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return false;
  if (r < 0) return error(path_ + ": encoding failed", r);
  return true;
}

std::string Encoder::describe() const {
  std::string s = codec_->name;
  std::string opts;
  if (options_.crf >= 0) {
    char v[32];
    std::snprintf(v, sizeof v, "%s %g", hardware_ ? "cq" : "crf", options_.crf);
    opts += v;
  }
  if (options_.bitrate > 0) opts += std::string(opts.empty() ? "" : ", ") + std::to_string(options_.bitrate / 1000) + " kb/s";
  if (!options_.preset.empty()) opts += std::string(opts.empty() ? "" : ", ") + "preset " + options_.preset;
  if (ctx_) opts += std::string(opts.empty() ? "" : ", ") + av_get_pix_fmt_name(hardware_ ? reinterpret_cast<AVHWFramesContext*>(hw_frames_->data)->sw_format : ctx_->pix_fmt);
  return opts.empty() ? s : s + " (" + opts + ")";
}

}  // namespace caldera::io::av
