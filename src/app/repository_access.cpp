// Opening repositories from a RepositoryAccess (see repository_access.h).
#include "app/repository_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/host_identity.h"
#include "common/posix_io.h"
#include "common/log.h"
#include "common/time_util.h"
#include "storage/backend.h"
#include "storage/local_backend.h"

namespace strata::app {

RepositoryAccess with_location(const RepositoryAccess& base, const std::string& location, const std::string& key_file,
                               const std::string& password_file) {
  RepositoryAccess a = base;
  a.location = location;
  if (!key_file.empty() || !password_file.empty()) {
    a.key_file = key_file;
    a.password_file = password_file;
  }
  return a;
}

namespace {

// The whole file. A directory, or any file that cannot be opened or read, is
// Error(io) "cannot read <what> <path>: <reason>" (an ifstream opens a directory
// and reads nothing, which would pass for an empty passphrase).
std::string read_text_file(const std::string& path, const char* what) {
  const std::string where = std::string("cannot read ") + what + " " + path;
  const posix::UniqueFd fd(posix::open_retry(path, O_RDONLY));
  if (!fd) throw io_error(where, errno);
  struct stat st {};
  int err = ::fstat(fd.get(), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  if (err) throw io_error(where, err);
  Bytes data;
  if ((err = posix::read_to_end(fd.get(), static_cast<uint64_t>(st.st_size), data)) != 0) throw io_error(where, err);
  return std::string(data.begin(), data.end());
}

}  // namespace

std::string read_passphrase_file(const std::string& path) {
  std::string text = read_text_file(path, "password file");
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Bytes read_key_file(const std::string& path) {
  try {
    return crypto::parse_key_file(read_text_file(path, "key file"));
  } catch (const Error& e) {
    if (e.code() != ExitCode::usage) throw;
    throw e.with_prefix(path);
  }
}

crypto::SlotInfo make_slot_info(const std::string& label, int64_t now_ns) {
  crypto::SlotInfo info;
  info.label = label;
  info.host = local_hostname();
  info.user = local_username();
  info.created = format_rfc3339(now_ns);
  return info;
}

crypto::Secret load_secret(const RepositoryAccess& access) {
  crypto::Secret s;
  if (!access.key_file.empty()) {
    s.kind = crypto::Secret::Kind::key_file;
    s.key_file_bytes = read_key_file(access.key_file);
    return s;
  }
  s.kind = crypto::Secret::Kind::passphrase;
  if (!access.password_file.empty()) {
    s.passphrase = read_passphrase_file(access.password_file);
  } else if (!access.password.empty()) {
    s.passphrase = access.password;
  } else {
    throw Error(ExitCode::usage,
                "no key given: use --key-file, --password-file, or STRATA_KEY_FILE / "
                "STRATA_PASSWORD_FILE / STRATA_PASSWORD");
  }
  if (s.passphrase.empty()) throw Error(ExitCode::usage, "the passphrase is empty");
  return s;
}

std::unique_ptr<repo::Repository> open_repository(const RepositoryAccess& access, const Job& job) {
  if (access.location.empty()) throw Error(ExitCode::usage, "no repository given: use --repo or STRATA_REPOSITORY");
  auto backend = storage::open_backend(access.location, {job.clock, job.cancel});
  if (!backend->stat("config"))
    throw Error(ExitCode::repo_missing,
                "no repository at " + backend->location() + " (no config object); create one with 'strata init'");
  auto repo = repo::Repository::open(std::move(backend), load_secret(access));
  repo->set_clock(*job.clock);
  if (repo->backend().remote() && !access.no_cache && !access.cache_dir.empty())
    repo->attach_cache(std::make_unique<storage::LocalBackend>(access.cache_dir + "/" + repo->config().id,
                                                               storage::LocalBackend::Durability::unsynced));
  return repo;
}

std::unique_ptr<repo::RepoLock> lock_for_reading(const RepositoryAccess& access, repo::Repository& repo,
                                                 const std::string& operation, const Job& job,
                                                 int wait_seconds) {
  if (access.no_lock) return nullptr;
  auto read = repo::RepoLock::acquire_for_reading(repo, operation, wait_seconds, job.cancel);
  if (!read.lock)
    log_warning("repository " + repo.backend().location() + " is read-only (" + errno_text(read.refusal) +
                "): reading without a lock (a concurrent prune could remove data this command needs)");
  return std::move(read.lock);
}

repo::SnapshotList load_snapshot_list_logged(repo::Repository& repo) {
  auto list = repo::load_snapshot_list(repo);
  for (const auto& bad : list.unreadable)
    log_warning("skipping unreadable snapshot: " + bad.problem + " ('strata check' for details)");
  return list;
}

std::vector<repo::Snapshot> load_snapshots_logged(repo::Repository& repo) {
  return load_snapshot_list_logged(repo).readable;
}

}  // namespace strata::app
