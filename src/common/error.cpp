// Helpers turning errno values into Strata errors with readable context.
#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace strata {

std::string errno_text(int err) {
  char buf[256];
  const char* text = strerror_r(err, buf, sizeof buf);
  return text;
}

Error io_error(const std::string& what, int err) {
  std::string msg = what + ": " + errno_text(err);
  if (err == ENOSPC || err == EDQUOT) msg += " (disk full)";
  return Error(ExitCode::io, msg, err);
}

}  // namespace strata
