// `strata pg restore-table`: PostgreSQL cannot recover one table or schema by
// itself, so Strata restores the whole stanza for point-in-time recovery into a
// throwaway data directory, starts that scratch instance on a free loopback
// port, lets it replay WAL to the target and promote, extracts the tables or
// schemas with pg_dump (plain SQL) and then stops the instance and removes the
// directory — on success, on error and on SIGINT/SIGTERM alike. The operator
// loads the SQL wherever the data is needed; the production cluster is never
// touched.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/progress.h"
#include "repo/repository.h"
#include "repo/snapshot.h"
#include "source/postgres/pg_restore.h"

namespace strata::source::postgres {

struct TableRestoreOptions {
  // What to restore: stanza, target (kind time), set, restore_command, threads.
  // pgdata, archive_off and target_action are set by run_table_restore.
  PgRestoreOptions restore;
  std::vector<std::string> tables;   // pg_dump --table patterns ("schema.name")
  std::vector<std::string> schemas;  // pg_dump --schema patterns
  std::string database = "postgres";
  std::string user;            // role pg_dump connects as; empty: the data directory owner's name
  std::string output;          // SQL file (replaced atomically, mode 0600); empty: standard output
  std::string scratch_parent;  // where the scratch directory is made; empty: $TMPDIR or /tmp
  std::string bindir;          // PostgreSQL programs; empty: `pg_config --bindir`, else /usr/lib/postgresql/15/bin
  bool keep_scratch = false;   // leave the scratch directory (stopped) for inspection
  int start_timeout_seconds = 300;     // pg_ctl start -w -t
  int recovery_timeout_seconds = 600;  // until pg_is_in_recovery() is false
  const Clock* clock = &system_clock();  // timeouts and polling; cancellation is restore.cancel
};

struct TableRestoreResult {
  PgBackup backup;                    // the backup restored
  std::string scratch_dir;            // removed unless keep_scratch
  int port = 0;                       // of the scratch instance
  uint64_t output_bytes = 0;          // SQL written
  std::vector<std::string> warnings;  // restore warnings, pg_dump's stderr on success, cleanup problems
};

// Step-by-step notes for the operator ("starting the scratch instance on port …").
using StepNote = std::function<void(const std::string& line)>;

// Runs the whole recovery. Preconditions: a time target, at least one table or
// schema (not both: pg_dump ignores --schema when --table is given). Errors:
// usage (bad options, scratch directory unreachable by the data directory's
// owner), the errors of run_pg_restore, source (the scratch instance did not
// start or recover — the message names its log and quotes its last lines —, or
// pg_dump failed: its stderr in one line, e.g. "no matching tables were found"),
// io (output file). The scratch instance is gone when this returns or throws,
// unless keep_scratch (then it is stopped but kept).
TableRestoreResult run_table_restore(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                                     const TableRestoreOptions& options, ProgressCounters& progress,
                                     const StepNote& note = {});

}  // namespace strata::source::postgres
