#include "io/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace caldera::io_internal {

std::string temp_path_for(const std::string& path) { return path + ".part"; }

Result<std::FILE*> open_temp_file(const std::string& path) {
  const std::string temp = temp_path_for(path);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) return io_error("cannot create '" + temp + "' (to write '" + path + "'): " + std::strerror(errno));
  return f;
}

Status commit_temp_file(std::FILE* file, const std::string& path) {
  const std::string temp = temp_path_for(path);
  if (!file) return internal_error("commit of '" + path + "' without an open file");
  bool write_failed = std::ferror(file) != 0;
  int err = write_failed ? errno : 0;
  if (std::fclose(file) != 0 && !write_failed) {
    write_failed = true;
    err = errno;
  }
  if (write_failed) {
    std::remove(temp.c_str());
    return io_error("cannot write '" + path + "': " + (err ? std::strerror(err) : "write error"));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    err = errno;
    std::remove(temp.c_str());
    return io_error("cannot rename '" + temp + "' to '" + path + "': " + std::strerror(err));
  }
  return Status::ok();
}

void discard_temp_file(std::FILE* file, const std::string& path) {
  if (file) std::fclose(file);
  std::remove(temp_path_for(path).c_str());
}

Result<AtomicFile> AtomicFile::create(const std::string& path) {
  CALDERA_ASSIGN_OR_RETURN(std::FILE * f, open_temp_file(path));
  AtomicFile a;
  a.path_ = path;
  a.file_ = f;
  return a;
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept : path_(std::move(o.path_)), file_(std::exchange(o.file_, nullptr)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
  if (this != &o) {
    discard();
    path_ = std::move(o.path_);
    file_ = std::exchange(o.file_, nullptr);
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

Status AtomicFile::commit() {
  if (!file_) return internal_error("AtomicFile::commit: '" + path_ + "' is not open");
  return commit_temp_file(std::exchange(file_, nullptr), path_);
}

void AtomicFile::discard() {
  if (file_) discard_temp_file(std::exchange(file_, nullptr), path_);
}

}  // namespace caldera::io_internal
