// Errors are values: every fallible call returns a Status or a Result<T> whose message names the
// bad argument. Library code never throws across the API and never aborts the process.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace caldera {

enum class StatusCode {
  Ok,
  InvalidArgument,  // the caller passed something wrong; the message names it
  Unsupported,      // valid request this build or device cannot do
  OutOfMemory,
  CudaError,        // a CUDA runtime call failed; the message carries CUDA's own text
  IoError,          // file missing, unreadable, unwritable, truncated or corrupt
  Unavailable,      // no GPU, or a peer library that is not present
  Internal,         // a broken invariant inside Caldera (a bug)
  Cancelled,        // the caller (or a signal) stopped the work before it finished
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::Ok; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: resize: dst width is 0"
  std::string to_string() const;

  // Prepends context ("while reading frame 12: ...") without losing the code; a message that
  // already starts with "context: " is left as it is.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::InvalidArgument, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::Unsupported, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::IoError, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::Unavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::Internal, std::move(m)}; }
inline Status out_of_memory(std::string m) { return {StatusCode::OutOfMemory, std::move(m)}; }
inline Status cancelled(std::string m) { return {StatusCode::Cancelled, std::move(m)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit on purpose
  Result(Status status)  // NOLINT: implicit on purpose
      : status_(status.is_ok() ? internal_error("Result constructed from an ok Status without a value")
                               : std::move(status)) {}

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace caldera

#define CALDERA_CONCAT_INNER(a, b) a##b
#define CALDERA_CONCAT(a, b) CALDERA_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` fails.
#define CALDERA_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::caldera::Status caldera_status_ = (expr);       \
    if (!caldera_status_.is_ok()) return caldera_status_; \
  } while (0)

// `CALDERA_ASSIGN_OR_RETURN(auto img, load_png(path));`
#define CALDERA_ASSIGN_OR_RETURN(lhs, expr) \
  CALDERA_ASSIGN_OR_RETURN_IMPL(CALDERA_CONCAT(caldera_result_, __LINE__), lhs, expr)
#define CALDERA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.is_ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
