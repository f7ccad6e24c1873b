// MediaSink for video files: the Encoder, FFmpeg's muxer for the container the extension names,
// and the source's other streams copied packet for packet. Written to `<path>.part` and renamed
// when the trailer is written; anything less leaves nothing under the output's name.
#include <cstdio>
#include <filesystem>

extern "C" {
#include <libavutil/display.h>
}

#include "io/media_internal.hpp"
#include "io/video/encoder.hpp"
#include "io/video/passthrough.hpp"
#include "io/video/video_io.hpp"

namespace caldera::io::av {
namespace {

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
using OutputContext = std::unique_ptr<AVFormatContext, OutputCloser>;

std::string media_type(AVMediaType t) {
  const char* s = av_get_media_type_string(t);
  return s ? s : "unknown";
}

class VideoSink : public MediaSink {
 public:
  VideoSink(std::string path, Encoder enc) : path_(std::move(path)), temp_(path_ + ".part"), enc_(std::move(enc)) {}
  ~VideoSink() override {
    if (!finished_) {
      out_.reset();
      std::error_code ec;
      if (opened_file_) std::filesystem::remove(temp_, ec);
    }
  }
  bool accepts(PixelFormat f) const override { return enc_.accepts(f); }
  PixelFormat preferred(const ImageDesc& produced) const override { return enc_.preferred(produced); }
  bool accepts_memory(MemoryKind m) const override {
    return enc_.takes_device_frames() ? m == MemoryKind::Device : is_host_memory(m);
  }
  Status open(const ImageDesc& desc, const MediaInfo& source) override;
  Status write(const Frame& frame) override;
  Status finish() override;
  std::string describe() const override {
    return enc_.describe() + " -> " + path_ + (enc_.note().empty() ? "" : " (" + enc_.note() + ")");
  }

 private:
  Status add_copied_streams(const MediaInfo& source);
  Status write_packet(AVPacket* pkt);
  Status drain();

  std::string path_, temp_;
  Encoder enc_;
  OutputContext out_;
  AVStream* video_ = nullptr;
  std::vector<int> out_index_;  // copied stream -> output stream index (-1: dropped)
  std::vector<AVRational> in_time_base_;
  bool opened_file_ = false;
  bool finished_ = false;
  Packet pkt_ = make_packet();
};

Status VideoSink::add_copied_streams(const MediaInfo& source) {
  auto streams = std::dynamic_pointer_cast<const AvPassthroughStreams>(source.passthrough);
  if (!streams) {
    if (source.passthrough && source.passthrough->count() > 0)
      return internal_error("the source's other streams are not FFmpeg's; they cannot be copied into " + path_);
    return Status::ok();
  }
  for (const CopiedStream& c : streams->streams) {
    const std::string what = "stream #" + std::to_string(c.input_index) + " of " + streams->input_path + " (" +
                             media_type(c.type) + " " + avcodec_get_name(c.par->codec_id) + ")";
    if (avformat_query_codec(out_->oformat, c.par->codec_id, FF_COMPLIANCE_NORMAL) == 0)
      return unsupported(path_ + ": a " + out_->oformat->name + " file cannot hold " + what +
                         "; write .mkv (which holds nearly every codec), or leave the other streams out with --copy-streams none");
    AVStream* st = avformat_new_stream(out_.get(), nullptr);
    if (!st) return out_of_memory("cannot add an output stream");
    int r = avcodec_parameters_copy(st->codecpar, c.par);
    if (r < 0) return error("cannot copy the parameters of " + what, r);
    st->codecpar->codec_tag = 0;  // the container picks its own tag for the codec
    st->time_base = c.time_base;
    st->disposition = c.disposition;
    if (!c.language.empty()) av_dict_set(&st->metadata, "language", c.language.c_str(), 0);
    if (!c.title.empty()) av_dict_set(&st->metadata, "title", c.title.c_str(), 0);
    out_index_.push_back(st->index);
    in_time_base_.push_back(c.time_base);
  }
  return Status::ok();
}

Status VideoSink::open(const ImageDesc& desc, const MediaInfo& source) {
  AVFormatContext* raw = nullptr;
  int r = avformat_alloc_output_context2(&raw, nullptr, nullptr, path_.c_str());
  if (r < 0 || !raw) return error(path_ + ": no container for this extension", r < 0 ? r : AVERROR_MUXER_NOT_FOUND);
  out_.reset(raw);
  // The muxer works on the temporary file (MP4's faststart pass reads it back by this name).
  av_free(raw->url);
  raw->url = av_strdup(temp_.c_str());

  CALDERA_RETURN_IF_ERROR(enc_.open(desc, source, raw->oformat->flags & AVFMT_GLOBALHEADER));
  video_ = avformat_new_stream(raw, nullptr);
  if (!video_) return out_of_memory("cannot add the video stream");
  r = avcodec_parameters_from_context(video_->codecpar, enc_.context());
  if (r < 0) return error(path_ + ": cannot describe the video stream", r);
  video_->time_base = enc_.context()->time_base;
  video_->avg_frame_rate = enc_.context()->framerate;
  video_->sample_aspect_ratio = enc_.context()->sample_aspect_ratio;
  if (source.rotation != 0) {
    auto* m = reinterpret_cast<int32_t*>(av_stream_new_side_data(video_, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)));
    if (!m) return out_of_memory("cannot add the rotation to the video stream");
    // av_display_rotation_set(m, a) makes the matrix that rotation_from_stream reads back as a.
    av_display_rotation_set(m, source.rotation);
  }
  CALDERA_RETURN_IF_ERROR(add_hdr_side_data(video_, desc.color.hdr));
  CALDERA_RETURN_IF_ERROR(add_copied_streams(source));

  if (!(raw->oformat->flags & AVFMT_NOFILE)) {
    r = avio_open(&raw->pb, temp_.c_str(), AVIO_FLAG_WRITE);
    if (r < 0) return error("cannot write '" + temp_ + "'", r);
    opened_file_ = true;
  }
  AVDictionary* opts = nullptr;
  const std::string name = raw->oformat->name;
  // MP4/MOV: the index at the front, so players can start before the whole file has arrived.
  if (name.find("mp4") != std::string::npos || name.find("mov") != std::string::npos)
    av_dict_set(&opts, "movflags", "+faststart", 0);
  r = avformat_write_header(raw, &opts);
  av_dict_free(&opts);
  if (r < 0) return error(path_ + ": cannot write the " + name + " header", r);
  return Status::ok();
}

Status VideoSink::write_packet(AVPacket* pkt) {
  const int r = av_interleaved_write_frame(out_.get(), pkt);
  if (r < 0) return error("writing '" + temp_ + "' failed", r);
  return Status::ok();
}

Status VideoSink::drain() {
  while (true) {
    CALDERA_ASSIGN_OR_RETURN(bool got, enc_.receive(pkt_.get()));
    if (!got) return Status::ok();
    av_packet_rescale_ts(pkt_.get(), enc_.context()->time_base, video_->time_base);
    pkt_->stream_index = video_->index;
    CALDERA_RETURN_IF_ERROR(write_packet(pkt_.get()));
  }
}

Status VideoSink::write(const Frame& frame) {
  if (!out_) return internal_error("VideoSink::write before open");
  for (const auto& p : frame.passthrough) {
    const auto* ap = dynamic_cast<const AvPassthroughPacket*>(p.get());
    if (!ap || ap->stream_index < 0 || ap->stream_index >= static_cast<int>(out_index_.size())) continue;
    Packet copy = make_packet();
    if (!copy || av_packet_ref(copy.get(), ap->packet.get()) < 0) return out_of_memory("cannot copy a packet");
    AVStream* st = out_->streams[out_index_[ap->stream_index]];
    av_packet_rescale_ts(copy.get(), in_time_base_[ap->stream_index], st->time_base);
    copy->stream_index = st->index;
    copy->pos = -1;
    CALDERA_RETURN_IF_ERROR(write_packet(copy.get()));
  }
  CALDERA_RETURN_IF_ERROR(enc_.send(frame));
  return drain();
}

Status VideoSink::finish() {
  if (!out_) return internal_error("VideoSink::finish before open");
  CALDERA_RETURN_IF_ERROR(enc_.flush());
  CALDERA_RETURN_IF_ERROR(drain());
  int r = av_write_trailer(out_.get());
  if (r < 0) return error(path_ + ": cannot finish the file", r);
  if (out_->pb) {
    r = avio_closep(&out_->pb);
    if (r < 0) return error("closing '" + temp_ + "' failed", r);
  }
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  if (ec) return io_error("cannot rename '" + temp_ + "' to '" + path_ + "': " + ec.message());
  finished_ = true;
  return Status::ok();
}

}  // namespace

bool is_video_output_extension(const std::string& e) {
  return e == ".mp4" || e == ".m4v" || e == ".mkv" || e == ".mov" || e == ".ts" || e == ".m2ts" || e == ".webm";
}

Result<std::unique_ptr<MediaSink>> make_video_sink(const std::string& path, const SinkOptions& options) {
  CALDERA_ASSIGN_OR_RETURN(Encoder enc, Encoder::choose(options, lower_extension(path), path));
  return std::unique_ptr<MediaSink>(new VideoSink(path, std::move(enc)));
}

}  // namespace caldera::io::av
