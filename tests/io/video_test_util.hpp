// Helpers for the video tests: test media made by Debian's ffmpeg command (never committed),
// whole-file decoding through Caldera's own source, PSNR, and FFmpeg's per-packet checksums of a
// file's audio (to prove a stream was copied bit for bit).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "caldera/io/media.hpp"

namespace caldera::testing {

inline bool have_ffmpeg() {
  static const bool have = std::system("ffmpeg -hide_banner -version > /dev/null 2>&1") == 0 &&
                           std::system("ffprobe -hide_banner -version > /dev/null 2>&1") == 0;
  return have;
}

#define CALDERA_REQUIRE_FFMPEG()                                                                    \
  do {                                                                                              \
    if (!::caldera::testing::have_ffmpeg())                                                         \
      GTEST_SKIP() << "needs the ffmpeg and ffprobe commands to make test media (Debian's ffmpeg)"; \
  } while (0)

// Runs a shell command and returns its standard output; fails the test when it exits non-zero.
inline std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "cannot run: " << cmd;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  if (rc != 0) ADD_FAILURE() << "command failed (" << rc << "): " << cmd;
  return out;
}

// ffmpeg with quiet logging and -y, arguments as given.
inline void ffmpeg(const std::string& args) { shell("ffmpeg -hide_banner -loglevel error -nostdin -y " + args); }

struct Decoded {
  MediaInfo info;
  std::vector<Image> frames;     // host copies (empty when not kept)
  std::vector<double> seconds;   // presentation times
  Status status;                 // the first error, if decoding failed
};

inline Decoded decode_all(const std::string& path, bool keep_frames = true, SourceOptions options = {}) {
  Decoded d;
  auto src = open_media_source(path, options);
  if (!src) {
    d.status = src.status();
    return d;
  }
  d.info = (*src)->info();
  Context cpu;
  Frame f;
  while (true) {
    auto more = (*src)->read(f);
    if (!more) {
      d.status = more.status();
      break;
    }
    if (!*more) break;
    d.seconds.push_back(f.seconds());
    if (keep_frames) {
      Image copy = Image::create(f.image.desc(), MemoryKind::Host).value();
      EXPECT_TRUE(copy_image(f.image.view(), copy.view(), cpu));
      d.frames.push_back(std::move(copy));
    }
  }
  d.info = (*src)->info();  // with the notes made while reading
  return d;
}

// PSNR over every sample of two 8- or 16-bit images of the same description.
inline double psnr(ConstImageView a, ConstImageView b) {
  const FormatInfo& fi = format_info(a.format());
  const double peak = fi.bit_depth > 8 ? double((1 << fi.bit_depth) - 1) : 255.0;
  double se = 0;
  size_t n = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(a.format(), p, a.width()) * fi.planes[p].channels;
    for (int y = 0; y < plane_height(a.format(), p, a.height()); ++y) {
      for (int x = 0; x < w; ++x) {
        double va, vb;
        if (fi.planes[p].bytes_per_sample == 2) {
          va = reinterpret_cast<const uint16_t*>(a.row(p, y))[x] >> fi.msb_shift;
          vb = reinterpret_cast<const uint16_t*>(b.row(p, y))[x] >> fi.msb_shift;
        } else {
          va = a.row(p, y)[x];
          vb = b.row(p, y)[x];
        }
        se += (va - vb) * (va - vb);
        ++n;
      }
    }
  }
  if (se == 0) return INFINITY;
  return 10 * std::log10(peak * peak / (se / double(n)));
}

// One line per audio packet: FFmpeg's stream copy hashes (pts, duration, size, md5).
inline std::string audio_packet_hashes(const std::string& path) {
  std::string out = shell("ffmpeg -hide_banner -loglevel error -nostdin -i '" + path + "' -map 0:a -c copy -f framemd5 -");
  std::string lines;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    if (out[pos] != '#') lines += out.substr(pos, end - pos) + "\n";
    pos = end + 1;
  }
  return lines;
}

// ffprobe's value of one entry of the first video stream ("codec_name", "pix_fmt", ...).
inline std::string probe_video(const std::string& path, const std::string& entry) {
  std::string v = shell("ffprobe -v error -select_streams v:0 -show_entries stream=" + entry +
                        " -of default=noprint_wrappers=1:nokey=1 '" + path + "'");
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace caldera::testing
