// A stanza names one PostgreSQL cluster protected by Strata: where its data
// directory is and how to reach the server (settings, from strata.yaml or flags),
// and what the repository recorded about it when the stanza was created (system
// identifier, version, WAL segment size), which every later command checks so
// that WAL or backups of another cluster never mix into this one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "repo/record_store.h"
#include "source/postgres/pg_connection.h"

namespace strata::source::postgres {

struct StanzaSettings {
  std::string name;
  std::string pgdata;                          // data directory of the server (local)
  ConnectionSettings primary;                  // the server itself
  std::optional<ConnectionSettings> standby;   // a streaming standby to read data files from
  std::string standby_pgdata;                  // its data directory (local)
  int wal_compression_level = 3;               // zstd level for archived WAL
  int archive_timeout_seconds = 60;            // how long backup/check wait for WAL to arrive
  int retention_full = 0;                      // pg expire: full backups to keep (0: not set)
  int retention_diff = 0;                      // pg expire: diff backups to keep (0: all of kept fulls)
  int64_t pitr_window_ns = 0;                  // pg expire: keep what this window needs (0: none)
  bool async = false;                          // wal-push/wal-get through the spool
  std::string spool;                           // spool directory for async (local, durable)
  int push_parallel = 4;                       // segments in flight in the async pusher
  int get_ahead = 8;                           // segments the async fetcher keeps ready
  std::vector<std::string> archive_to;         // replicas (strata.yaml names) wal-push also writes to
  int wal_quorum = 0;                          // repositories that must hold a segment (0: all of them)
};

// What `stanza-create` recorded: records/pg/<stanza>/stanza.json.
struct StanzaRecord {
  std::string name;
  uint64_t system_id = 0;
  int server_version_num = 0;  // e.g. 150018
  uint64_t wal_segment_size = 0;
  uint32_t block_size = 8192;
  bool data_checksums = false;
  int64_t created_ns = 0;
  std::string to_json() const;
  static StanzaRecord from_json(const std::string& text, const std::string& where);
};

// Error(usage) unless the name is 1..64 characters of [A-Za-z0-9_-].
void check_stanza_name(const std::string& name);
// "pg/<stanza>" — every record of the stanza lives below it.
std::string stanza_prefix(const std::string& name);

// Reads the cluster's identity from a running server (created_ns stays 0: the
// caller that records the stanza dates it).
StanzaRecord describe_cluster(PgConnection& conn, const std::string& stanza);

// The stanza's record, or Error(not_found) telling how to create it.
StanzaRecord load_stanza(repo::RecordStore& records, const std::string& name, const std::string& repo_location);
std::optional<StanzaRecord> find_stanza(repo::RecordStore& records, const std::string& name);
// Stores the record; true if new, false if the same cluster was already
// recorded; Error(conflict) naming both system ids when it is another cluster.
bool create_stanza(repo::RecordStore& records, const StanzaRecord& record);
// Error(conflict) "stanza main belongs to system id X, this cluster is Y" (and
// likewise for a different major version).
void check_same_cluster(const StanzaRecord& stanza, const StanzaRecord& cluster);

}  // namespace strata::source::postgres
