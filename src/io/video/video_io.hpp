// The FFmpeg-backed families of open_media_source / make_media_sink.
#pragma once

#include <memory>
#include <string>

#include "caldera/io/media.hpp"

namespace caldera::io::av {

// Extensions written as video files (the container is chosen from them).
bool is_video_output_extension(const std::string& ext);

Result<std::unique_ptr<MediaSource>> open_video_source(const std::string& path, const SourceOptions& options);
Result<std::unique_ptr<MediaSink>> make_video_sink(const std::string& path, const SinkOptions& options);

}  // namespace caldera::io::av
