// Error type carried across all layers: a message that names what failed and where,
// plus the process exit code the CLI returns for it (documented in docs/exit-codes.md).
#pragma once
#include <stdexcept>
#include <string>

namespace strata {

enum class ExitCode : int {
  ok = 0,
  failure = 1,        // any error not covered below
  usage = 2,          // bad command line or arguments
  partial = 3,        // snapshot made, but some source files could not be read
  repo_missing = 10,  // no repository at the given location
  lock_held = 11,     // another process holds a conflicting lock
  wrong_key = 12,     // no key slot matches the given passphrase or key file
  integrity = 13,     // corrupt or missing repository data detected
  io = 14,            // I/O error: disk full, permission denied, backend unreachable
  not_found = 15,     // unknown snapshot, path or key slot
  repo_exists = 16,   // init refused: a repository already exists there
  conflict = 17,      // write-once data differs from what is stored (WAL segment, stanza)
  source = 18,        // the data source failed or refused (PostgreSQL unreachable, wrong state)
  interrupted = 130,  // SIGINT / SIGTERM
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message, int sys_errno = 0)
      : std::runtime_error(message), code_(code), sys_errno_(sys_errno) {}
  ExitCode code() const { return code_; }
  // The errno value behind the failure (EROFS, EACCES, ENOSPC, ...), 0 when there is
  // none. Callers that must tell causes apart test this, never the message text.
  // Object storage reports its refusals as the nearest value (403 AccessDenied: EACCES).
  int sys_errno() const { return sys_errno_; }

 private:
  ExitCode code_;
  int sys_errno_;
};

// The error number text for errno-style failures, e.g. "No space left on device".
std::string errno_text(int err);

// Builds an io Error "<what>: <strerror>" (ENOSPC says "disk full") carrying `err`.
Error io_error(const std::string& what, int err);

}  // namespace strata
