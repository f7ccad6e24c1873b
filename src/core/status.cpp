#include "caldera/status.hpp"

namespace caldera {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::Ok: return "Ok";
    case StatusCode::InvalidArgument: return "InvalidArgument";
    case StatusCode::Unsupported: return "Unsupported";
    case StatusCode::OutOfMemory: return "OutOfMemory";
    case StatusCode::CudaError: return "CudaError";
    case StatusCode::IoError: return "IoError";
    case StatusCode::Unavailable: return "Unavailable";
    case StatusCode::Internal: return "Internal";
    case StatusCode::Cancelled: return "Cancelled";
  }
  return "Unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "Ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  // A message that already starts with this context ("gaussian: ..." from the operator, given
  // the filter's name "gaussian" again) keeps its one prefix.
  const std::string prefix = context + ": ";
  if (message_.compare(0, prefix.size(), prefix) == 0) return *this;
  return {code_, prefix + message_};
}

}  // namespace caldera
