// Asynchronous WAL archiving and read-ahead for recovery, through a local spool
// directory. `wal-push --async` returns as soon as a background pusher has made
// the segment durable in the repository: the pusher takes every segment the
// server has marked ready (pg_wal/archive_status/*.ready) and stores several at
// once on one opened repository, recording each success as <spool>/archive-push/
// <name>.ok (written after the segment is durable) or failure as <name>.error.
// `wal-get --async` serves segments that a background fetcher has already put
// into <spool>/archive-get/, and keeps the next ones coming.
//
// Crash safety: the server's own .ready/.done files stay the truth. A .ok only
// exists for a segment that is in the repository, so after a crash or reboot a
// segment is either acknowledged from its .ok or pushed again (an identical push
// is a no-op); nothing is lost and no name is ever stored twice.
#pragma once
#include <functional>
#include <string>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/error.h"
#include "repo/repository.h"
#include "source/postgres/wal_archive.h"

namespace strata::source::postgres {

struct SpoolDirs {
  std::string root;
  std::string push() const { return root + "/archive-push"; }
  std::string get() const { return root + "/archive-get"; }
  void create() const;  // mkdir -p of both (Error(io) naming the directory)
};

// Whose time the spool's waits and pauses run on, and when to stop: the job's
// clock and cancellation (a cancelled wait or worker throws Error(interrupted)).
struct SpoolJob {
  const Clock* clock = &system_clock();
  CancelToken cancel;
};

// Foreground of `wal-push --async NAME`: waits until the pusher reports on
// NAME; calls `start_pusher` at once and every second while waiting (it must
// be harmless when a pusher already runs). Error(source) after `timeout_s`.
void wait_for_async_push(const SpoolDirs& spool, const std::string& name, int timeout_s,
                         const std::function<void()>& start_pusher, const SpoolJob& job = {});

// Stores one WAL file (its path) durably wherever it must be, or throws Error:
// WalArchive::push for one repository, a quorum of several (cli's WalQuorum).
using PushWal = std::function<void(const std::string& path)>;

// The pusher: pushes ready segments of `pg_wal` with `parallel` in flight until
// none has been ready for `idle_seconds`. Returns at once when another pusher
// holds the spool's lock. `push` is called from several threads at once.
void run_async_pusher(const PushWal& push, const SpoolDirs& spool, const std::string& pg_wal, unsigned parallel,
                      const SpoolJob& job = {}, int idle_seconds = 3);

// Records that pushing `name` failed with `error` (the pusher could not even
// start: repository unreachable, wrong key), for the waiting wal-push.
void report_async_push_failure(const SpoolDirs& spool, const std::string& name, const Error& error);

// Foreground of `wal-get --async NAME DEST`: true when NAME was served from the
// spool (moved or copied to DEST). Spooled segments before NAME are removed.
bool take_prefetched(const SpoolDirs& spool, const std::string& name, const std::string& dest);
// Records NAME as the newest segment the server asked for (for the fetcher).
void note_wanted(const SpoolDirs& spool, const std::string& name);

// The fetcher: keeps the `ahead` segments after the newest wanted one in the
// spool until nothing new was wanted for `idle_seconds`. Returns at once when
// another fetcher holds the spool's lock.
void run_async_fetcher(repo::Repository& repo, const StanzaRecord& stanza, const SpoolDirs& spool, unsigned ahead,
                       const SpoolJob& job = {}, int idle_seconds = 5);

}  // namespace strata::source::postgres
