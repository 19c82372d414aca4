// A stanza's backups, archive and lag (see pg_info.h).
#include "app/pg_info.h"

#include <algorithm>

#include "app/pg_stanza.h"
#include "common/error.h"
#include "source/postgres/pg_connection.h"

namespace strata::app {

namespace pg = source::postgres;

namespace {

uint32_t timeline_of(const std::string& segment) {
  auto f = pg::parse_wal_file_name(segment);
  return f ? f->timeline : 0;
}

// Asks the primary how far it has written and compares with the archived ranges.
ArchiveLag measure_archive_lag(const pg::StanzaSettings& settings, const StanzaInfo& info) {
  ArchiveLag lag;
  try {
    pg::PgConnection conn(settings.primary);
    if (conn.value("SELECT pg_is_in_recovery()::text") != "false") {
      lag.why_not = "the configured server is a standby: archive lag is measured on the primary";
      return lag;
    }
    auto row = conn.query("SELECT pg_current_wal_lsn()::text, pg_walfile_name(pg_current_wal_lsn())");
    auto lsn = pg::parse_lsn(row[0][0]);
    uint64_t archived_end = 0;
    for (const auto& r : info.wal_ranges)
      if (r.timeline == timeline_of(row[0][1]))
        archived_end = std::max(archived_end, (r.last_segno + 1) * info.stanza.wal_segment_size);
    lag.measured = true;
    lag.server_lsn = row[0][0];
    lag.server_segment = row[0][1];
    lag.bytes_not_archived = lsn && *lsn > archived_end ? *lsn - archived_end : 0;
  } catch (const Error& e) {
    lag.why_not = std::string("server not reached (") + e.what() + "): archive lag unknown";
  }
  return lag;
}

}  // namespace

StanzaInfo stanza_info(const RepositoryAccess& access, const pg::StanzaSettings& settings, Job& job) {
  auto [repo, stanza] = open_stanza(access, settings.name, job);
  StanzaInfo info;
  info.stanza = stanza;
  info.backups = pg::list_backups(load_snapshots_logged(*repo), settings.name);
  pg::WalArchive archive(*repo, stanza);
  auto wal = archive.list();
  info.wal_ranges = archive.segment_ranges(wal);
  info.window = pg::recoverable_window(info.backups, wal);
  for (const auto& f : wal) {
    info.wal_stored_bytes += f.stored_size;
    if (f.file.kind == pg::WalFileKind::segment) ++info.wal_segments;
  }
  if (info.window.latest_ns) info.newest_wal_age_seconds = static_cast<double>(job.now_ns() - info.window.latest_ns) / 1e9;
  info.lag = measure_archive_lag(settings, info);
  return info;
}

}  // namespace strata::app
