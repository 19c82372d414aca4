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

// The one error type of every layer (docs/decisions/0003-error-model.md): what
// failed and where (the message), what the process exits with (the code), what the
// operator can do about it (an optional hint, printed on its own line by the CLI),
// and, for failures of a system call, the errno they came from, so that callers
// decide by value and never by searching the message text.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message, std::string hint = {}, int sys_errno = 0)
      : std::runtime_error(message), code_(code), hint_(std::move(hint)), sys_errno_(sys_errno) {}
  ExitCode code() const { return code_; }
  const std::string& hint() const { return hint_; }
  int sys_errno() const { return sys_errno_; }  // 0: not from a system call

  // The same error with context in front of its message ("<prefix>: <message>").
  Error with_prefix(const std::string& prefix) const { return Error(code_, prefix + ": " + what(), hint_, sys_errno_); }
  // The same error with a hint (replacing any earlier one).
  Error with_hint(std::string hint) const { return Error(code_, what(), std::move(hint), sys_errno_); }

 private:
  ExitCode code_;
  std::string hint_;
  int sys_errno_;
};

// The error number text for errno-style failures, e.g. "No space left on device".
std::string errno_text(int err);

// Builds an io Error "<what>: <strerror>" (ENOSPC says "disk full") carrying `err`.
Error io_error(const std::string& what, int err);

}  // namespace strata
