// End-to-end archive check (see archive_check.h).
#include "source/postgres/archive_check.h"

#include "common/error.h"
#include "repo/record_store.h"
#include "source/postgres/pg_connection.h"
#include "source/postgres/wal_archive.h"

namespace strata::source::postgres {

ArchiveCheckResult check_archive(repo::Repository& repo, const StanzaSettings& st, const CancelToken& cancel,
                                 const Clock& clock) {
  repo::RecordStore records(repo);
  const StanzaRecord stanza = load_stanza(records, st.name, repo.backend().location());
  PgConnection conn(st.primary);
  check_same_cluster(stanza, describe_cluster(conn, st.name));
  if (conn.value("SELECT pg_is_in_recovery()::text") == "true")
    throw Error(ExitCode::source, conn.where() + " is a standby: run the check against the primary");
  if (conn.value("SELECT current_setting('archive_mode')") == "off")
    throw Error(ExitCode::source, conn.where() + " has archive_mode = off");
  // The segment holding the switch record is the one the switch closes (for an
  // idle server, the previous one, which must be archived as well).
  ArchiveCheckResult result;
  result.segment = conn.value("SELECT pg_walfile_name(pg_switch_wal())");
  WalArchive archive(repo, stanza);
  const int64_t start_ns = clock.monotonic_ns();
  const int64_t deadline_ns = start_ns + int64_t{st.archive_timeout_seconds} * 1'000'000'000;
  while (!archive.contains(result.segment)) {
    if (clock.monotonic_ns() >= deadline_ns) {
      auto row = conn.query(
          "SELECT coalesce(last_archived_wal, '(none)'), coalesce(last_failed_wal, '(none)'), "
          "coalesce(to_char(last_failed_time at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'), failed_count::text "
          "FROM pg_stat_archiver");
      std::string detail = row.size() == 1 ? "; the server last archived " + row[0][0] + ", last failed on " +
                                                 row[0][1] + " at " + row[0][2] + " UTC (" + row[0][3] +
                                                 " failures): see its log for archive_command's error"
                                           : "";
      throw Error(ExitCode::source, "WAL segment " + result.segment + " did not reach stanza " + st.name + " in " +
                                        repo.backend().location() + " within " +
                                        std::to_string(st.archive_timeout_seconds) + " s" + detail);
    }
    if (!clock.sleep_for_ms(100, cancel)) cancel.throw_if_cancelled();
  }
  result.seconds = static_cast<double>(clock.monotonic_ns() - start_ns) / 1e9;
  return result;
}

}  // namespace strata::source::postgres
