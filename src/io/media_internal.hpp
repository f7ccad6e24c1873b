// The sources and sinks behind open_media_source / make_media_sink, one family per file.
#pragma once

#include <memory>
#include <string>

#include "caldera/io/image_file.hpp"
#include "caldera/io/media.hpp"

namespace caldera::io {

// Gives `frame.image` the description and memory kind asked for, keeping its memory when it
// already has them (the sources' way of reusing the caller's buffers).
Status ensure_frame_image(Frame& frame, const ImageDesc& desc, MemoryKind memory, Context* ctx = nullptr);

// A frame's place in time for sources with one tick per frame (stills, Y4M, raw, folders); its
// passthrough packets are cleared (these files have no other streams).
void stamp_frame(Frame& frame, long index, Rational time_base);

// Lower-case extension with the dot: ".mp4".
std::string lower_extension(const std::string& path);

Result<std::unique_ptr<MediaSource>> open_image_source(const std::string& path, const SourceOptions& options);
Result<std::unique_ptr<MediaSource>> open_y4m_source(const std::string& path);
Result<std::unique_ptr<MediaSource>> open_raw_source(const std::string& path, const SourceOptions& options);
bool is_raw_extension(const std::string& ext);
Result<std::unique_ptr<MediaSource>> open_image_sequence(const std::string& path, const SourceOptions& options);
// A folder (that exists, or a path ending in '/'), or a pattern with %d such as out/%05d.png.
bool is_image_folder_output(const std::string& path);
Result<std::unique_ptr<MediaSink>> make_image_folder_sink(const std::string& path, const SinkOptions& options);

std::unique_ptr<MediaSink> make_image_sink(const std::string& path, ImageFileType type, const SinkOptions& options);
std::unique_ptr<MediaSink> make_y4m_sink(const std::string& path);
std::unique_ptr<MediaSink> make_raw_sink(const std::string& path);
std::unique_ptr<MediaSink> make_null_sink();

}  // namespace caldera::io
