// YUV4MPEG2 reading and writing. The header is one line of space-separated tags; each frame is
// "FRAME" (optionally followed by parameters) and '\n', then the planes with tight rows. 10-bit
// samples are little-endian 16-bit words.
#include "caldera/io/y4m.hpp"

#include <sys/stat.h>

#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "io/atomic_file.hpp"

namespace caldera {

namespace {

constexpr size_t kMaxHeaderBytes = 4096;       // real headers are under 100 bytes
constexpr size_t kMaxFrameHeaderBytes = 1024;
constexpr std::string_view kMagic = "YUV4MPEG2";

bool parse_int(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_ratio(std::string_view s, int* num, int* den) {
  const size_t colon = s.find(':');
  return colon != std::string_view::npos && parse_int(s.substr(0, colon), num) &&
         parse_int(s.substr(colon + 1), den) && *num >= 0 && *den >= 0;
}

// Shows a short piece of untrusted text in a message, with unprintable bytes escaped.
std::string printable(std::string_view s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// Reads up to and including '\n' (not stored). Returns false if the line did not end within
// `max` bytes or the file ended first; `line` holds what was read either way.
bool read_line(std::FILE* f, std::string* line, size_t max, bool* hit_eof) {
  line->clear();
  *hit_eof = false;
  for (;;) {
    int c = std::fgetc(f);
    if (c == EOF) {
      *hit_eof = true;
      return false;
    }
    if (c == '\n') return true;
    if (line->size() >= max) return false;
    line->push_back(static_cast<char>(c));
  }
}

Status apply_colorspace_tag(std::string_view tag, const std::string& path, Y4mHeader* h) {
  // tag is what follows 'C'
  struct Entry {
    std::string_view name;
    PixelFormat format;
    ChromaSiting siting;
  };
  static constexpr Entry kEntries[] = {
      {"420jpeg", PixelFormat::I420, ChromaSiting::Center},   {"420paldv", PixelFormat::I420, ChromaSiting::TopLeft},
      {"420mpeg2", PixelFormat::I420, ChromaSiting::Left},    {"420", PixelFormat::I420, ChromaSiting::Left},
      {"422", PixelFormat::I422, ChromaSiting::Left},         {"444", PixelFormat::I444, ChromaSiting::Left},
      {"mono", PixelFormat::Gray8, ChromaSiting::Left},       {"420p10", PixelFormat::YUV420P10, ChromaSiting::Left},
  };
  for (const Entry& e : kEntries) {
    if (tag == e.name) {
      h->format = e.format;
      h->color.siting = e.siting;
      return Status::ok();
    }
  }
  return unsupported(path + ": Y4M color space tag 'C" + printable(tag) +
                     "' is not supported (supported: C420jpeg, C420paldv, C420mpeg2, C420, C422, C444, Cmono, "
                     "C420p10)");
}

Result<Y4mHeader> parse_header(const std::string& line, const std::string& path) {
  std::string_view rest(line);
  if (rest.substr(0, kMagic.size()) != kMagic || (rest.size() > kMagic.size() && rest[kMagic.size()] != ' '))
    return io_error(path + ": not a Y4M file: expected 'YUV4MPEG2' at the start, found '" + printable(rest, 16) + "'");
  rest.remove_prefix(kMagic.size());

  Y4mHeader h;
  h.color.siting = ChromaSiting::Center;  // C420jpeg is the default
  bool have_w = false, have_h = false;
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = rest.find(' ');
    std::string_view tok = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    std::string_view val = tok.substr(1);
    auto bad = [&](const char* what) {
      return io_error(path + ": bad Y4M header tag '" + printable(tok) + "': expected " + what);
    };
    switch (tok[0]) {
      case 'W':
        if (!parse_int(val, &h.width) || h.width <= 0) return bad("a positive width (W1920)");
        have_w = true;
        break;
      case 'H':
        if (!parse_int(val, &h.height) || h.height <= 0) return bad("a positive height (H1080)");
        have_h = true;
        break;
      case 'F':
        if (!parse_ratio(val, &h.fps_num, &h.fps_den)) return bad("a frame rate ratio (F30000:1001)");
        break;
      case 'A':
        if (!parse_ratio(val, &h.par_num, &h.par_den)) return bad("a pixel aspect ratio (A1:1)");
        break;
      case 'I':
        if (val.size() != 1 || std::string_view("ptbm?").find(val[0]) == std::string_view::npos)
          return bad("one of Ip, It, Ib, Im, I?");
        h.interlace = val[0];
        break;
      case 'C': CALDERA_RETURN_IF_ERROR(apply_colorspace_tag(val, path, &h)); break;
      case 'X':
        if (val == "COLORRANGE=FULL") h.color.range = Range::Full;
        else if (val == "COLORRANGE=LIMITED") h.color.range = Range::Limited;
        break;  // other extensions are ignored, as the format asks
      default: break;  // unknown tags too
    }
  }
  if (!have_w || !have_h) return io_error(path + ": Y4M header has no " + (have_w ? "H (height)" : "W (width)") + " tag");
  Status s = validate_desc({h.width, h.height, h.format, h.color}, (path + ": Y4M header").c_str());
  if (!s) return io_error(s.message());
  return h;
}

const char* colorspace_tag(const Y4mHeader& h) {
  switch (h.format) {
    case PixelFormat::I420:
      switch (h.color.siting) {
        case ChromaSiting::Center: return "C420jpeg";
        case ChromaSiting::TopLeft: return "C420paldv";
        case ChromaSiting::Left: return "C420mpeg2";
      }
      return "C420jpeg";
    case PixelFormat::I422: return "C422";
    case PixelFormat::I444: return "C444";
    case PixelFormat::Gray8: return "Cmono";
    case PixelFormat::YUV420P10: return "C420p10";
    default: return nullptr;
  }
}

constexpr bool kBigEndianHost = std::endian::native == std::endian::big;

void swap16(uint8_t* data, size_t bytes) {
  for (size_t i = 0; i + 1 < bytes; i += 2) std::swap(data[i], data[i + 1]);
}

}  // namespace

// ---- reader ----------------------------------------------------------------------------------------

Result<Y4mReader> Y4mReader::open(const std::string& path) {
  std::FILE* raw = std::fopen(path.c_str(), "rb");
  if (!raw) return io_error("cannot open '" + path + "': " + std::strerror(errno));
  std::shared_ptr<std::FILE> file(raw, &std::fclose);

  std::string line;
  bool eof = false;
  if (!read_line(raw, &line, kMaxHeaderBytes, &eof)) {
    if (std::ferror(raw)) return io_error("cannot read '" + path + "': " + std::strerror(errno));
    if (line.substr(0, kMagic.size()) != kMagic)
      return io_error(path + ": not a Y4M file: expected 'YUV4MPEG2' at the start, found '" + printable(line, 16) + "'");
    return io_error(path + (eof ? ": the Y4M header line has no end (the file ends first)"
                                : ": the Y4M header line is longer than 4096 bytes"));
  }
  CALDERA_ASSIGN_OR_RETURN(Y4mHeader header, parse_header(line, path));

  Y4mReader r;
  r.path_ = path;
  r.file_ = std::move(file);
  r.header_ = header;

  // Frame count from the size, when the first frame header carries no parameters.
  const long data_start = std::ftell(raw);
  struct stat st {};
  if (data_start >= 0 && fstat(fileno(raw), &st) == 0 && S_ISREG(st.st_mode)) {
    char head[6] = {};
    const size_t n = std::fread(head, 1, sizeof head, raw);
    const long remaining = static_cast<long>(st.st_size) - data_start;
    const long frame_bytes = static_cast<long>(tight_size_bytes(r.frame_desc())) + 6;
    if (remaining == 0) r.estimated_frames_ = 0;
    else if (n == 6 && std::memcmp(head, "FRAME\n", 6) == 0) r.estimated_frames_ = remaining / frame_bytes;
    if (std::fseek(raw, data_start, SEEK_SET) != 0)
      return io_error("cannot seek in '" + path + "': " + std::strerror(errno));
  }
  return r;
}

ImageDesc Y4mReader::frame_desc() const { return {header_.width, header_.height, header_.format, header_.color}; }

Result<bool> Y4mReader::read_frame(ImageView dst) {
  if (!file_) return invalid_argument("Y4mReader::read_frame: the reader is not open");
  const ImageDesc want = frame_desc();
  if (dst.empty() || dst.on_device())
    return invalid_argument("Y4mReader::read_frame: dst must be a host image (" + path_ + ")");
  if (dst.width() != want.width || dst.height() != want.height || dst.format() != want.format)
    return invalid_argument("Y4mReader::read_frame: dst is " + std::to_string(dst.width()) + "x" +
                            std::to_string(dst.height()) + " " + format_name(dst.format()) + ", the file has " +
                            std::to_string(want.width) + "x" + std::to_string(want.height) + " " +
                            format_name(want.format));
  std::FILE* f = file_.get();
  const int index = frames_read_;
  const size_t frame_bytes = tight_size_bytes(want);

  int first = std::fgetc(f);
  if (first == EOF) {
    if (std::ferror(f)) return io_error("cannot read '" + path_ + "': " + std::strerror(errno));
    return false;  // clean end
  }
  std::ungetc(first, f);
  std::string line;
  bool eof = false;
  if (!read_line(f, &line, kMaxFrameHeaderBytes, &eof)) {
    if (std::ferror(f)) return io_error("cannot read '" + path_ + "': " + std::strerror(errno));
    const bool frame_like = line.size() <= 5 ? std::string_view("FRAME").substr(0, line.size()) == line
                                             : line.compare(0, 6, "FRAME ") == 0;
    if (eof && frame_like)
      return io_error(path_ + ": frame " + std::to_string(index) + " is truncated (got 0 of " +
                      std::to_string(frame_bytes) + " bytes)");
    if (!frame_like)
      return io_error(path_ + ": frame " + std::to_string(index) + ": expected 'FRAME', found '" + printable(line, 16) +
                      "'");
    return io_error(path_ + ": frame " + std::to_string(index) + ": the FRAME line is longer than 1024 bytes");
  }
  if (line.substr(0, 5) != "FRAME" || (line.size() > 5 && line[5] != ' '))
    return io_error(path_ + ": frame " + std::to_string(index) + ": expected 'FRAME', found '" + printable(line, 16) + "'");

  const FormatInfo& fi = format_info(want.format);
  size_t got = 0;
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row_bytes = plane_row_bytes(want.format, p, want.width);
    const int rows = plane_height(want.format, p, want.height);
    for (int y = 0; y < rows; ++y) {
      uint8_t* row = dst.row(p, y);
      const size_t n = std::fread(row, 1, row_bytes, f);
      got += n;
      if (n != row_bytes) {
        if (std::ferror(f)) return io_error("cannot read '" + path_ + "': " + std::strerror(errno));
        return io_error(path_ + ": frame " + std::to_string(index) + " is truncated (got " + std::to_string(got) +
                        " of " + std::to_string(frame_bytes) + " bytes)");
      }
      if (kBigEndianHost && fi.planes[p].bytes_per_sample == 2) swap16(row, row_bytes);
    }
  }
  ++frames_read_;
  return true;
}

// ---- writer ----------------------------------------------------------------------------------------

Result<Y4mWriter> Y4mWriter::create(const std::string& path, const Y4mHeader& header) {
  const char* tag = colorspace_tag(header);
  if (!tag)
    return unsupported("Y4mWriter '" + path + "': Y4M cannot hold " + format_name(header.format) +
                       " frames; convert to i420, i422, i444, gray8 or yuv420p10 first");
  CALDERA_RETURN_IF_ERROR(
      validate_desc({header.width, header.height, header.format, header.color}, ("Y4mWriter '" + path + "'").c_str()));
  if (header.fps_num <= 0 || header.fps_den <= 0)
    return invalid_argument("Y4mWriter '" + path + "': frame rate " + std::to_string(header.fps_num) + ":" +
                            std::to_string(header.fps_den) + " must be positive");
  if (header.par_num < 0 || header.par_den < 0)
    return invalid_argument("Y4mWriter '" + path + "': pixel aspect ratio must not be negative");
  if (std::string_view("ptbm?").find(header.interlace) == std::string_view::npos || header.interlace == '\0')
    return invalid_argument("Y4mWriter '" + path + "': interlace must be one of p, t, b, m, ?");

  CALDERA_ASSIGN_OR_RETURN(std::FILE * f, io_internal::open_temp_file(path));
  Y4mWriter w;
  w.path_ = path;
  w.temp_path_ = io_internal::temp_path_for(path);
  w.file_ = f;
  w.header_ = header;
  std::string line = "YUV4MPEG2 W" + std::to_string(header.width) + " H" + std::to_string(header.height) + " F" +
                     std::to_string(header.fps_num) + ":" + std::to_string(header.fps_den) + " I" +
                     header.interlace + " A" + std::to_string(header.par_num) + ":" +
                     std::to_string(header.par_den) + " " + tag;
  if (header.color.range == Range::Full) line += " XCOLORRANGE=FULL";
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), f) != line.size())
    return io_error("cannot write '" + path + "': " + std::strerror(errno));  // w removes the file
  return w;
}

Y4mWriter::Y4mWriter(Y4mWriter&& o) noexcept
    : path_(std::move(o.path_)),
      temp_path_(std::move(o.temp_path_)),
      file_(std::exchange(o.file_, nullptr)),
      header_(o.header_),
      frames_written_(o.frames_written_) {}

Y4mWriter& Y4mWriter::operator=(Y4mWriter&& o) noexcept {
  if (this != &o) {
    if (file_) io_internal::discard_temp_file(std::exchange(file_, nullptr), path_);
    path_ = std::move(o.path_);
    temp_path_ = std::move(o.temp_path_);
    file_ = std::exchange(o.file_, nullptr);
    header_ = o.header_;
    frames_written_ = o.frames_written_;
  }
  return *this;
}

Y4mWriter::~Y4mWriter() {
  if (file_) io_internal::discard_temp_file(std::exchange(file_, nullptr), path_);
}

Status Y4mWriter::write_frame(ConstImageView frame) {
  if (!file_) return invalid_argument("Y4mWriter::write_frame: the writer is not open (finished or moved from)");
  if (frame.empty()) return invalid_argument("Y4mWriter::write_frame '" + path_ + "': the frame is empty");
  if (frame.on_device())
    return invalid_argument("Y4mWriter::write_frame '" + path_ +
                            "': the frame is in device memory; copy it to the host first");
  if (frame.width() != header_.width || frame.height() != header_.height || frame.format() != header_.format)
    return invalid_argument("Y4mWriter::write_frame '" + path_ + "': frame is " + std::to_string(frame.width()) + "x" +
                            std::to_string(frame.height()) + " " + format_name(frame.format()) +
                            ", the header says " + std::to_string(header_.width) + "x" +
                            std::to_string(header_.height) + " " + format_name(header_.format));
  auto fail = [&] {
    return io_error("cannot write frame " + std::to_string(frames_written_) + " to '" + path_ +
                    "': " + std::strerror(errno));
  };
  if (std::fwrite("FRAME\n", 1, 6, file_) != 6) return fail();
  const FormatInfo& fi = format_info(frame.format());
  std::vector<uint8_t> swapped;
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row_bytes = plane_row_bytes(frame.format(), p, frame.width());
    const int rows = plane_height(frame.format(), p, frame.height());
    for (int y = 0; y < rows; ++y) {
      const uint8_t* row = frame.row(p, y);
      if (kBigEndianHost && fi.planes[p].bytes_per_sample == 2) {
        swapped.assign(row, row + row_bytes);
        swap16(swapped.data(), row_bytes);
        row = swapped.data();
      }
      if (std::fwrite(row, 1, row_bytes, file_) != row_bytes) return fail();
    }
  }
  ++frames_written_;
  return Status::ok();
}

Status Y4mWriter::finish() {
  if (!file_) return invalid_argument("Y4mWriter::finish: the writer is not open (finished already or moved from)");
  return io_internal::commit_temp_file(std::exchange(file_, nullptr), path_);
}

}  // namespace caldera
