// Writing a file so that readers never see it half written: the bytes go to `path`.part in the
// same directory (so the final rename stays on one file system) and are renamed to `path` only
// when everything was written and closed without error. On any failure, or when the object is
// destroyed without commit(), the temporary file is removed. No fsync: this protects against
// partial output from failed or interrupted writes, not against power loss.
#pragma once

#include <cstdio>
#include <string>

#include "caldera/status.hpp"

namespace caldera::io_internal {

// The temporary name used while `path` is being written.
std::string temp_path_for(const std::string& path);

// Opens the temporary file for `path` for binary writing ("cannot create 'x.png.part': ...").
Result<std::FILE*> open_temp_file(const std::string& path);
// Closes `file` (checking every buffered write) and renames the temporary file to `path`. The
// file is closed on every path; on failure the temporary file is removed.
Status commit_temp_file(std::FILE* file, const std::string& path);
// Closes `file` (may be null) and removes the temporary file of `path`.
void discard_temp_file(std::FILE* file, const std::string& path);

// RAII owner of one such temporary file.
class AtomicFile {
 public:
  static Result<AtomicFile> create(const std::string& path);
  AtomicFile() = default;
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&& o) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  std::FILE* file() const { return file_; }
  const std::string& path() const { return path_; }
  // Closes and renames; afterwards the object owns nothing, whether it succeeded or not.
  Status commit();
  // Closes and removes the temporary file (also done by the destructor).
  void discard();

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace caldera::io_internal
