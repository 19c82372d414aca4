// Spool-based asynchronous archiving and read-ahead (see async_archive.h).
#include "source/postgres/async_archive.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/posix_io.h"
#include "common/thread_pool.h"

namespace strata::source::postgres {

using posix::Durability;
using posix::replace_file;

namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

// A polling pause on the job's clock; Error(interrupted) when the job is cancelled.
void pause(const SpoolJob& job, int64_t ms) {
  if (!job.clock->sleep_for_ms(ms, job.cancel)) job.cancel.throw_if_cancelled();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw io_error("creating spool directory " + dir, errno);
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// An exclusive lock on `path` while the descriptor lives; none when another
// process holds it.
posix::UniqueFd try_lock(const std::string& path) {
  posix::UniqueFd fd(posix::open_retry(path, O_RDWR | O_CREAT, 0600));
  if (!fd) throw io_error("opening lock file " + path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return posix::UniqueFd();
  return fd;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void SpoolDirs::create() const {
  make_dir(root);
  make_dir(push());
  make_dir(get());
}

void wait_for_async_push(const SpoolDirs& spool, const std::string& name, int timeout_s,
                         const std::function<void()>& start_pusher, const SpoolJob& job) {
  const std::string ok = spool.push() + "/" + name + ".ok", error = spool.push() + "/" + name + ".error";
  const int64_t deadline = job.clock->monotonic_ns() + timeout_s * kSecondNs;
  int64_t next_start = job.clock->monotonic_ns();
  while (job.clock->monotonic_ns() < deadline) {
    if (exists(ok)) {
      ::unlink(ok.c_str());  // acknowledged; a repeated call after a crash pushes again (a no-op)
      return;
    }
    if (exists(error)) {
      std::string text = read_text(error);
      ::unlink(error.c_str());
      size_t nl = text.find('\n');
      int code = nl == std::string::npos ? 1 : std::atoi(text.substr(0, nl).c_str());
      throw Error(static_cast<ExitCode>(code ? code : 1), nl == std::string::npos ? text : text.substr(nl + 1));
    }
    if (job.clock->monotonic_ns() >= next_start) {
      start_pusher();
      next_start = job.clock->monotonic_ns() + kSecondNs;
    }
    pause(job, 10);
  }
  throw Error(ExitCode::source, "asynchronous archive of " + name + " did not finish within " +
                                    std::to_string(timeout_s) + " s; see " + spool.root + "/pusher.log");
}

void run_async_pusher(const PushWal& push, const SpoolDirs& spool, const std::string& pg_wal, unsigned parallel,
                      const SpoolJob& job, int idle_seconds) {
  spool.create();
  const posix::UniqueFd lock = try_lock(spool.root + "/pusher.lock");
  if (!lock) return;
  ThreadPool pool(std::max(1u, parallel));
  const std::string status = pg_wal + "/archive_status";
  int64_t idle_since = job.clock->monotonic_ns();
  std::set<std::string> attempted;  // failed in this run: retried only after a pause
  for (;;) {
    job.cancel.throw_if_cancelled();
    std::vector<std::string> to_push;
    std::set<std::string> ready;
    for (const auto& f : list_dir(status)) {
      if (f.size() < 7 || f.compare(f.size() - 6, 6, ".ready") != 0) continue;
      std::string name = f.substr(0, f.size() - 6);
      ready.insert(name);
      if (!exists(spool.push() + "/" + name + ".ok") && !exists(spool.push() + "/" + name + ".error") &&
          !attempted.count(name))
        to_push.push_back(name);
    }
    // Acknowledgements the server no longer needs (the segment is .done).
    for (const auto& f : list_dir(spool.push())) {
      size_t dot = f.rfind('.');
      if (dot == std::string::npos) continue;
      std::string ext = f.substr(dot), name = f.substr(0, dot);
      if ((ext == ".ok" || ext == ".error") && !ready.count(name)) ::unlink((spool.push() + "/" + f).c_str());
    }
    if (to_push.empty()) {
      if (job.clock->monotonic_ns() - idle_since > idle_seconds * kSecondNs) break;
      pause(job, 50);
      if (job.clock->monotonic_ns() - idle_since > kSecondNs) attempted.clear();
      continue;
    }
    idle_since = job.clock->monotonic_ns();
    std::vector<std::future<void>> running;
    for (const auto& name : to_push) {
      running.push_back(pool.submit([&, name] {
        try {
          push(pg_wal + "/" + name);
          replace_file(spool.push() + "/" + name + ".ok", std::string(), Durability::synced);
        } catch (const Error& e) {
          replace_file(spool.push() + "/" + name + ".error",
                       std::to_string(static_cast<int>(e.code())) + "\n" + e.what(), Durability::synced);
        }
      }));
      attempted.insert(name);
    }
    for (auto& r : running) r.get();
  }
}

void report_async_push_failure(const SpoolDirs& spool, const std::string& name, const Error& error) {
  if (name.empty() || !parse_wal_file_name(name)) return;
  try {
    spool.create();
    replace_file(spool.push() + "/" + name + ".error",
                 std::to_string(static_cast<int>(error.code())) + "\n" + error.what(), Durability::synced);
  } catch (const Error&) {
    // The spool itself is unusable: the waiting wal-push times out and says so.
  }
}

bool take_prefetched(const SpoolDirs& spool, const std::string& name, const std::string& dest) {
  auto wanted = parse_wal_file_name(name);
  // Spooled segments before this one will not be asked for again.
  for (const auto& f : list_dir(spool.get())) {
    auto have = parse_wal_file_name(f);
    if (have && wanted && wanted->kind == WalFileKind::segment && have->kind == WalFileKind::segment &&
        have->timeline == wanted->timeline && f < name)
      ::unlink((spool.get() + "/" + f).c_str());
  }
  const std::string src = spool.get() + "/" + name;
  if (!exists(src)) return false;
  if (::rename(src.c_str(), dest.c_str()) == 0) return true;
  if (errno != EXDEV) return false;
  // Another file system: copy, then drop the spooled one. Any failure leaves the
  // fetch to the repository.
  try {
    posix::UniqueFd in(posix::open_retry(src, O_RDONLY));
    Bytes data;
    if (!in || posix::read_to_end(in.get(), 0, data) != 0) return false;
    replace_file(dest, data, Durability::rename_only);
  } catch (const Error&) {
    return false;
  }
  ::unlink(src.c_str());
  return true;
}

void note_wanted(const SpoolDirs& spool, const std::string& name) {
  try {
    replace_file(spool.get() + "/.wanted", name, Durability::rename_only);
  } catch (const Error&) {
    // Only a hint for the read-ahead: without it, segments come from the repository.
  }
}

void run_async_fetcher(repo::Repository& repo, const StanzaRecord& stanza, const SpoolDirs& spool, unsigned ahead,
                       const SpoolJob& job, int idle_seconds) {
  spool.create();
  const posix::UniqueFd lock = try_lock(spool.root + "/fetcher.lock");
  if (!lock) return;
  WalArchive archive(repo, stanza);
  const uint64_t seg = stanza.wal_segment_size;
  std::string last_wanted;
  int64_t idle_since = job.clock->monotonic_ns();
  std::set<std::string> absent;  // not archived (yet): asked again after a pause
  while (job.clock->monotonic_ns() - idle_since <= idle_seconds * kSecondNs) {
    std::string wanted = read_text(spool.get() + "/.wanted");
    auto w = parse_wal_file_name(wanted);
    if (!w || w->kind != WalFileKind::segment) {
      pause(job, 50);
      continue;
    }
    if (wanted != last_wanted) {
      last_wanted = wanted;
      idle_since = job.clock->monotonic_ns();
      absent.clear();
    }
    bool fetched = false;
    const uint64_t first = segment_number(*w, seg);
    for (uint64_t k = 1; k <= ahead; ++k) {
      const std::string next = segment_file_name(w->timeline, first + k, seg);
      const std::string path = spool.get() + "/" + next;
      if (exists(path) || absent.count(next)) continue;
      auto data = archive.get(next);
      if (!data) {
        absent.insert(next);
        break;  // the end of the archive (for now)
      }
      replace_file(path, *data, Durability::synced);
      fetched = true;
    }
    if (!fetched) pause(job, 50);
  }
}

}  // namespace strata::source::postgres
