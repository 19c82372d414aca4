// `pg info` as a use case: a stanza's backups, WAL archive, recoverable window,
// how old the newest archived WAL is, and — when the server can be reached — the
// WAL written but not archived yet: the figures the daemon exports as RPO.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "app/repository_access.h"
#include "source/postgres/backup_catalog.h"
#include "source/postgres/pg_restore.h"
#include "source/postgres/stanza.h"
#include "source/postgres/wal_archive.h"

namespace strata::app {

// WAL the live primary has written beyond what the archive holds.
struct ArchiveLag {
  bool measured = false;       // false: see `why_not`
  std::string why_not;         // "server not reached (...)" or "the configured server is a standby"
  std::string server_lsn, server_segment;
  uint64_t bytes_not_archived = 0;
};

struct StanzaInfo {
  source::postgres::StanzaRecord stanza;
  std::vector<source::postgres::PgBackup> backups;
  std::vector<source::postgres::WalRange> wal_ranges;
  source::postgres::RecoverableWindow window;
  uint64_t wal_segments = 0, wal_stored_bytes = 0;
  double newest_wal_age_seconds = -1;  // -1: no WAL archived
  ArchiveLag lag;
};

StanzaInfo stanza_info(const RepositoryAccess& access, const source::postgres::StanzaSettings& stanza, Job& job);

}  // namespace strata::app
