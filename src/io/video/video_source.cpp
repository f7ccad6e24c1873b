// MediaSource for video files: FFmpeg demuxes, the Decoder decodes (NVDEC or software), and
// frames come out with timestamps shifted so the output starts at 0, the colour description of
// the stream, and the packets of the streams to copy attached.
#include <deque>

#include "io/media_internal.hpp"
#include "io/video/av_common.hpp"
#include "io/video/decoder.hpp"
#include "io/video/passthrough.hpp"
#include "io/video/sw_convert.hpp"
#include "io/video/video_io.hpp"
#include "core/number_text.hpp"

extern "C" {
#include <libavutil/mastering_display_metadata.h>
}

namespace caldera::io::av {
namespace {

std::string stream_summary(const AVStream* st) {
  return std::string(av_get_media_type_string(st->codecpar->codec_type) ? av_get_media_type_string(st->codecpar->codec_type)
                                                                          : "unknown") +
         " " + avcodec_get_name(st->codecpar->codec_id);
}

class VideoSource : public MediaSource {
 public:
  static Result<std::unique_ptr<MediaSource>> open(const std::string& path, const SourceOptions& o);
  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& frame) override;
  void add_note(std::string note) { info_.notes.push_back(std::move(note)); }

 private:
  Status open_streams(const SourceOptions& o);
  // Decodes the next frame that lies inside [start, start + duration) into `decoded_`.
  Result<bool> decode_next();
  Status handle_packet(AVPacket* pkt);
  Status to_frame(AVFrame* f, Frame& out);
  int64_t zero_in(const AVStream* st) const { return av_rescale_q(zero_us_, AVRational{1, AV_TIME_BASE}, st->time_base); }

  std::string path_;
  InputContext fmt_;
  AVStream* video_ = nullptr;
  std::optional<Decoder> decoder_;
  std::shared_ptr<AvPassthroughStreams> copied_;
  std::vector<int> copy_map_;  // input stream index -> index in copied_ (-1: not copied)
  MediaInfo info_;
  int64_t zero_us_ = 0;        // input time (AV_TIME_BASE) that becomes output time 0
  int64_t end_pts_ = INT64_MAX;  // in the video stream's time base, after the shift
  double duration_limit_ = -1;
  bool demux_done_ = false;
  bool finished_ = false;
  long frames_out_ = 0;
  int64_t last_pts_ = kNoTimestamp;
  int device_ = -1;       // the CUDA device NVDEC decodes on
  bool seeking_ = false;  // frames and packets before the start are dropped
  bool moved_pts_note_ = false;
  SwConverter converter_;
  AvFrame decoded_ = make_frame();
  bool have_decoded_ = false;
  // One frame of lookahead, so the last frame can carry every packet read up to the end.
  Frame next_;
  bool have_next_ = false;
  std::vector<std::shared_ptr<const PassthroughPacket>> pending_;
};

Result<std::unique_ptr<MediaSource>> VideoSource::open(const std::string& path, const SourceOptions& o) {
  init_logging();
  auto src = std::make_unique<VideoSource>();
  src->path_ = path;
  AVFormatContext* raw = nullptr;
  int r = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (r < 0) return error(path + ": not a readable video file", r);
  src->fmt_.reset(raw);
  r = avformat_find_stream_info(raw, nullptr);
  if (r < 0) return error(path + ": cannot read the streams", r);
  CALDERA_RETURN_IF_ERROR(src->open_streams(o));
  // The first frame now, so info() says exactly what the frames are before any is read.
  auto first = src->decode_next();
  if (!first) return first.status().with_context(path + ": frame 0");
  const bool got = *first;
  if (!got) {
    if (o.start_seconds > 0) return io_error(path + ": no video frame at or after " + number_text(o.start_seconds) + " s");
    return io_error(path + ": the video stream has no frames");
  }
  CALDERA_RETURN_IF_ERROR(src->to_frame(src->decoded_.get(), src->next_).with_context(path + ": frame 0"));
  src->have_next_ = true;
  src->info_.desc = src->next_.image.desc();
  src->info_.memory = src->next_.image.memory();
  src->info_.decoder = src->decoder_->describe() + src->converter_.describe();
  return std::unique_ptr<MediaSource>(std::move(src));
}

Status VideoSource::open_streams(const SourceOptions& o) {
  AVFormatContext* fmt = fmt_.get();
  const int best = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (best < 0 || (fmt->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
    std::string has;
    for (unsigned i = 0; i < fmt->nb_streams; ++i) has += (has.empty() ? "" : ", ") + stream_summary(fmt->streams[i]);
    return io_error(path_ + ": has no video stream" + (has.empty() ? "" : " (it has " + has + ")"));
  }
  video_ = fmt->streams[best];
  const AVCodecParameters* par = video_->codecpar;
  if (par->width <= 0 || par->height <= 0 || par->width > 16384 || par->height > 16384)
    return io_error(path_ + ": video frames of " + std::to_string(par->width) + "x" + std::to_string(par->height) +
                    " are outside 1..16384 pixels per side");

  zero_us_ = (fmt->start_time == AV_NOPTS_VALUE ? 0 : fmt->start_time);
  if (o.start_seconds < 0) return invalid_argument("start time " + number_text(o.start_seconds) + " s is negative");
  if (o.start_seconds > 0) {
    const int64_t target = zero_us_ + static_cast<int64_t>(o.start_seconds * AV_TIME_BASE);
    const int r = av_seek_frame(fmt, -1, target, AVSEEK_FLAG_BACKWARD);
    if (r < 0) return error(path_ + ": cannot seek to " + number_text(o.start_seconds) + " s", r);
    zero_us_ = target;
    seeking_ = true;
  }
  if (o.decode_context && o.decode_context->is_cuda()) device_ = o.decode_context->device();
  duration_limit_ = o.duration_seconds;
  if (o.duration_seconds == 0 || (o.duration_seconds < 0 && o.duration_seconds != -1))
    return invalid_argument("duration " + number_text(o.duration_seconds) + " s is not positive");
  if (o.duration_seconds > 0)
    end_pts_ = av_rescale_q(static_cast<int64_t>(o.duration_seconds * AV_TIME_BASE), AVRational{1, AV_TIME_BASE},
                            video_->time_base);

  copy_map_.assign(fmt->nb_streams, -1);
  copied_ = std::make_shared<AvPassthroughStreams>();
  copied_->input_path = path_;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    AVStream* st = fmt->streams[i];
    if (static_cast<int>(i) == best) continue;
    const AVMediaType type = st->codecpar->codec_type;
    const bool copyable = type == AVMEDIA_TYPE_AUDIO || type == AVMEDIA_TYPE_SUBTITLE || type == AVMEDIA_TYPE_DATA;
    if (!copyable || !o.copy_streams) {
      st->discard = AVDISCARD_ALL;
      info_.notes.push_back("stream #" + std::to_string(i) + " (" + stream_summary(st) +
                            (st->disposition & AV_DISPOSITION_ATTACHED_PIC ? ", cover art" : "") + ") is not copied" +
                            (copyable ? " (--copy-streams none)" : ": only the first video stream is processed"));
      continue;
    }
    CopiedStream c;
    c.input_index = static_cast<int>(i);
    c.par = avcodec_parameters_alloc();
    if (!c.par || avcodec_parameters_copy(c.par, st->codecpar) < 0) {
      avcodec_parameters_free(&c.par);
      return out_of_memory(path_ + ": cannot copy stream parameters");
    }
    c.time_base = st->time_base;
    c.disposition = st->disposition;
    c.type = type;
    if (const AVDictionaryEntry* e = av_dict_get(st->metadata, "language", nullptr, 0)) c.language = e->value;
    if (const AVDictionaryEntry* e = av_dict_get(st->metadata, "title", nullptr, 0)) c.title = e->value;
    copy_map_[i] = static_cast<int>(copied_->streams.size());
    copied_->streams.push_back(c);
  }

  DecoderOptions d;
  d.cuda = o.decode_context;
  d.frames_held = o.frames_held + 1;  // the lookahead frame
  CALDERA_ASSIGN_OR_RETURN(Decoder dec, Decoder::open(video_, d, path_));
  decoder_.emplace(std::move(dec));

  info_.container = fmt->iformat->name;
  info_.hands_over_images = true;  // FFmpeg's frames are wrapped (or swscale's output replaces the image)
  info_.codec = avcodec_get_name(par->codec_id);
  info_.time_base = from_av(video_->time_base);
  const AVRational avg = video_->avg_frame_rate.num > 0 ? video_->avg_frame_rate : video_->r_frame_rate;
  if (avg.num > 0 && avg.den > 0) info_.frame_rate = from_av(avg);
  // Containers give the real rate (r_frame_rate) and the average: they differ when frame
  // durations vary.
  info_.variable_frame_rate = video_->r_frame_rate.num > 0 && video_->avg_frame_rate.num > 0 &&
                              av_cmp_q(video_->r_frame_rate, video_->avg_frame_rate) != 0;
  if (par->sample_aspect_ratio.num > 0) info_.sample_aspect = from_av(par->sample_aspect_ratio);
  info_.interlace = par->field_order == AV_FIELD_TT || par->field_order == AV_FIELD_TB   ? 't'
                    : par->field_order == AV_FIELD_BB || par->field_order == AV_FIELD_BT ? 'b'
                                                                                          : 'p';
  info_.rotation = rotation_from_stream(video_);
  double total = fmt->duration != AV_NOPTS_VALUE ? double(fmt->duration) / AV_TIME_BASE : -1;
  if (video_->duration != AV_NOPTS_VALUE && video_->duration > 0) total = double(video_->duration) * av_q2d(video_->time_base);
  if (total > 0) {
    total = std::max(0.0, total - o.start_seconds);
    if (o.duration_seconds > 0) total = std::min(total, o.duration_seconds);
    info_.duration_seconds = total;
  }
  if (video_->nb_frames > 0 && o.start_seconds == 0 && o.duration_seconds < 0) info_.frame_count = video_->nb_frames;
  else if (total > 0 && info_.frame_rate.valid()) info_.frame_count = std::lround(total * info_.frame_rate.value());
  if (!copied_->streams.empty()) info_.passthrough = copied_;
  return Status::ok();
}

Status VideoSource::handle_packet(AVPacket* pkt) {
  const int idx = pkt->stream_index;
  if (idx == video_->index) return decoder_->send(pkt);
  if (idx < 0 || idx >= static_cast<int>(copy_map_.size()) || copy_map_[idx] < 0) return Status::ok();
  const AVStream* st = fmt_->streams[idx];
  const int64_t shift = zero_in(st);
  if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= shift;
  if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
  // Packets that end before the start or begin after the end of the chosen span stay behind.
  const int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (t != AV_NOPTS_VALUE) {
    if (seeking_ && t + std::max<int64_t>(pkt->duration, 0) <= 0) return Status::ok();
    if (duration_limit_ > 0 && av_compare_ts(t, st->time_base, end_pts_, video_->time_base) >= 0) return Status::ok();
  }
  Packet copy = make_packet();
  if (!copy || av_packet_ref(copy.get(), pkt) < 0) return out_of_memory("cannot keep a packet");
  pending_.push_back(std::make_shared<AvPassthroughPacket>(std::move(copy), copy_map_[idx]));
  return Status::ok();
}

Result<bool> VideoSource::decode_next() {
  Packet pkt = make_packet();
  while (true) {
    av_frame_unref(decoded_.get());
    CALDERA_ASSIGN_OR_RETURN(bool got, decoder_->receive(decoded_.get()));
    if (got) {
      int64_t pts = decoded_->best_effort_timestamp;
      if (pts == AV_NOPTS_VALUE) pts = decoded_->pts;
      if (pts != AV_NOPTS_VALUE) pts -= zero_in(video_);
      // Frames before a seek target decode (they are the references) but are not output.
      if (seeking_ && pts != AV_NOPTS_VALUE && pts < 0) continue;
      if (pts != AV_NOPTS_VALUE && pts >= end_pts_) return false;
      decoded_->best_effort_timestamp = pts;
      return true;
    }
    if (decoder_->drained()) return false;
    if (demux_done_) {
      CALDERA_RETURN_IF_ERROR(decoder_->send(nullptr));
      continue;
    }
    const int r = av_read_frame(fmt_.get(), pkt.get());
    if (r == AVERROR_EOF) {
      demux_done_ = true;
      continue;
    }
    if (r < 0) return error("reading the file failed", r);
    Status s = handle_packet(pkt.get());
    av_packet_unref(pkt.get());
    CALDERA_RETURN_IF_ERROR(s);
  }
}

Status VideoSource::to_frame(AVFrame* f, Frame& out) {
  const AVMasteringDisplayMetadata* md = nullptr;
  const AVContentLightMetadata* cl = nullptr;
  if (const AVFrameSideData* sd = av_frame_get_side_data(f, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA))
    md = reinterpret_cast<const AVMasteringDisplayMetadata*>(sd->data);
  if (const AVFrameSideData* sd = av_frame_get_side_data(f, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL))
    cl = reinterpret_cast<const AVContentLightMetadata*>(sd->data);
  if (!md) md = reinterpret_cast<const AVMasteringDisplayMetadata*>(
               av_stream_get_side_data(video_, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, nullptr));
  if (!cl) cl = reinterpret_cast<const AVContentLightMetadata*>(
               av_stream_get_side_data(video_, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, nullptr));
  ColorDesc color = color_from_av(f->colorspace, f->color_range, f->color_trc, f->color_primaries,
                                  f->chroma_location, f->width, f->height);
  color.hdr = hdr_from_av(md, cl);

  std::shared_ptr<void> owner(av_frame_clone(f), [](void* p) {
    AVFrame* fr = static_cast<AVFrame*>(p);
    av_frame_free(&fr);
  });
  if (!owner) return out_of_memory("cannot keep a decoded frame");
  if (f->format == AV_PIX_FMT_CUDA) {
    auto* frames = reinterpret_cast<AVHWFramesContext*>(f->hw_frames_ctx->data);
    auto fmt = from_av_pixel_format(frames->sw_format);
    if (!fmt || !(*fmt == PixelFormat::NV12 || *fmt == PixelFormat::P010 || *fmt == PixelFormat::P016 ||
                  *fmt == PixelFormat::I444))
      return unsupported(std::string("NVDEC gives ") + av_get_pix_fmt_name(frames->sw_format) +
                         " frames, which Caldera does not take on the GPU; decode on the CPU (--decode cpu)");
    out.image = Image::wrap(view_of(f, *fmt, color, MemoryKind::Device, device_), std::move(owner));
  } else {
    bool full = false;
    auto fmt = from_av_pixel_format(static_cast<AVPixelFormat>(f->format), &full);
    if (full) color.range = Range::Full;
    if (fmt) {
      out.image = Image::wrap(view_of(f, *fmt, color, MemoryKind::Host, -1), std::move(owner));
    } else {
      CALDERA_RETURN_IF_ERROR(converter_.convert(f, color, out));
    }
  }
  out.time_base = info_.time_base;
  const int64_t pts = f->best_effort_timestamp;
  const int64_t step = info_.frame_rate.valid()
                           ? av_rescale_q(1, av_inv_q(to_av(info_.frame_rate)), video_->time_base)
                           : 1;
  out.pts = pts != AV_NOPTS_VALUE ? pts : (last_pts_ == kNoTimestamp ? 0 : last_pts_ + step);
  // Timestamps must increase for any muxer; damaged or badly made files repeat them. Such a
  // frame moves one tick after the previous one (as FFmpeg's command line does), once noted.
  if (last_pts_ != kNoTimestamp && out.pts <= last_pts_) {
    if (!moved_pts_note_)
      info_.notes.push_back("frame " + std::to_string(frames_out_ + (have_next_ ? 1 : 0)) +
                            " repeats an earlier timestamp; such frames are moved one tick later");
    moved_pts_note_ = true;
    out.pts = last_pts_ + 1;
  }
  out.duration = f->pkt_duration > 0 ? f->pkt_duration : step;
  last_pts_ = out.pts;
  return Status::ok();
}

Result<bool> VideoSource::read(Frame& frame) {
  if (!have_next_) return false;
  // Hand over the lookahead frame, then decode the one after it (or reach the end).
  frame.image = std::move(next_.image);
  frame.pts = next_.pts;
  frame.duration = next_.duration;
  frame.time_base = next_.time_base;
  frame.index = frames_out_;
  const ImageDesc& d = frame.image.desc();
  if (d.width != info_.desc.width || d.height != info_.desc.height || d.format != info_.desc.format)
    return unsupported(path_ + ": frame " + std::to_string(frames_out_) + " is " + std::to_string(d.width) + "x" +
                       std::to_string(d.height) + " " + format_name(d.format) + " but the stream began with " +
                       std::to_string(info_.desc.width) + "x" + std::to_string(info_.desc.height) + " " +
                       format_name(info_.desc.format) + ": streams that change size are not supported");
  have_next_ = false;
  // Errors while decoding the next frame name it (frames count from 0).
  const std::string at = path_ + ": frame " + std::to_string(frames_out_ + 1);
  auto more = decode_next();
  if (!more) return more.status().with_context(at);
  if (*more) {
    next_ = Frame{};
    CALDERA_RETURN_IF_ERROR(to_frame(decoded_.get(), next_).with_context(at));
    have_next_ = true;
  }
  frame.passthrough = std::move(pending_);
  pending_.clear();
  ++frames_out_;
  return true;
}

}  // namespace

Result<std::unique_ptr<MediaSource>> open_video_source(const std::string& path, const SourceOptions& options) {
  auto src = VideoSource::open(path, options);
  if (src || !options.decode_context) return src;
  // NVDEC may refuse a stream only when it decodes (the native AV1 decoder has no software
  // path of its own): the file again, on the CPU, saying why.
  SourceOptions cpu = options;
  cpu.decode_context = nullptr;
  auto again = VideoSource::open(path, cpu);
  // Both failed: the NVDEC attempt's error is the one that says why (FFmpeg's native AV1 decoder,
  // for one, has nothing to decode with on the CPU).
  if (!again)
    return Status(src.status().code(), src.status().message() + "; and on the CPU: " + again.status().message());
  auto* v = static_cast<VideoSource*>(again->get());
  v->add_note("decoding on the CPU: with NVDEC, " + src.status().message());
  return again;
}

}  // namespace caldera::io::av
