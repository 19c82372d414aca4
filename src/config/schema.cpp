// The table of strata.yaml keys (see schema.h).
#include "config/schema.h"

#include "config/ranges.h"

namespace strata::config {

namespace {

KeySpec key(std::string path, ValueType type, std::string doc, std::string default_text = "", std::string flag = "",
            std::string env = "") {
  return KeySpec{std::move(path), type, std::move(doc), std::move(default_text), std::move(flag), std::move(env)};
}
KeySpec whole(std::string path, WholeRange range, std::string doc, std::string default_text = "",
              std::string flag = "") {
  KeySpec k = key(std::move(path), ValueType::whole, std::move(doc), std::move(default_text), std::move(flag));
  k.whole_range = range;
  return k;
}
KeySpec duration(std::string path, DurationRange range, std::string doc, std::string default_text = "",
                 std::string flag = "") {
  KeySpec k = key(std::move(path), ValueType::duration, std::move(doc), std::move(default_text), std::move(flag));
  k.duration_range = range;
  return k;
}

void add_top_level(std::vector<KeySpec>& t) {
  t.push_back(key("repository", ValueType::text, "repository location", "", "--repo", "STRATA_REPOSITORY"));
  t.push_back(key("password_file", ValueType::path, "file whose first line is the passphrase", "", "--password-file",
                  "STRATA_PASSWORD_FILE"));
  t.push_back(key("key_file", ValueType::path, "Strata key file", "", "--key-file", "STRATA_KEY_FILE"));
  for (const char* daemon : {"tiers", "sources", "schedules", "retention", "server"})
    t.push_back(key(daemon, ValueType::reserved, "reserved for the daemon; accepted and not read by the CLI"));
}

void add_replicas(std::vector<KeySpec>& t) {
  t.push_back(key("replicas", ValueType::list_of_mapping, "repositories kept in step with this one"));
  t.push_back(key("replicas[].name", ValueType::text, "the name commands and archive_to use; unique", "replicaN"));
  t.push_back(key("replicas[].repository", ValueType::text, "the replica's location (required)"));
  t.push_back(key("replicas[].password_file", ValueType::path, "the replica's own passphrase file", "the top level's"));
  t.push_back(key("replicas[].key_file", ValueType::path, "the replica's own key file", "the top level's"));
}

void add_thresholds(std::vector<KeySpec>& t, const std::string& at) {
  t.push_back(duration(at + "warm_after", kTierAge, "age from which packs move to the warm tier", "30d"));
  t.push_back(duration(at + "cold_after", kTierAge, "age from which packs move to the cold tier", "90d"));
  t.push_back(duration(at + "archive_after", kTierAge, "age from which packs move to the archive tier", "365d"));
}

void add_lifecycle(std::vector<KeySpec>& t) {
  t.push_back(key("lifecycle", ValueType::mapping, "storage tiers by age and the price table"));
  add_thresholds(t, "lifecycle.");
  t.push_back(key("lifecycle.datasets", ValueType::named_mapping, "thresholds per dataset"));
  t.push_back(key("lifecycle.datasets.*", ValueType::mapping, "thresholds of one dataset"));
  add_thresholds(t, "lifecycle.datasets.*.");
  t.push_back(key("lifecycle.storage_classes", ValueType::mapping, "object storage class of each tier"));
  for (const char* tier : {"hot", "warm", "cold", "archive"})
    t.push_back(key(std::string("lifecycle.storage_classes.") + tier, ValueType::text, "storage class of this tier"));
  t.push_back(key("lifecycle.directories", ValueType::mapping, "tier directories of a local repository"));
  for (const char* tier : {"warm", "cold", "archive"})
    t.push_back(key(std::string("lifecycle.directories.") + tier, ValueType::path, "directory of this tier"));
  t.push_back(key("lifecycle.prices", ValueType::named_mapping, "prices per storage class"));
  t.push_back(key("lifecycle.prices.*", ValueType::mapping, "prices of one storage class"));
  t.push_back(key("lifecycle.prices.*.storage_per_gib_month", ValueType::amount, "USD per GiB and month"));
  t.push_back(key("lifecycle.prices.*.retrieval_per_gib", ValueType::amount, "USD per GiB read back"));
  t.push_back(key("lifecycle.prices.*.retrieval_hours", ValueType::amount, "hours before archived bytes can be read"));
}

void add_connection(std::vector<KeySpec>& t, const std::string& at, bool primary) {
  t.push_back(key(at + "pgdata", ValueType::path, "data directory on this host", "", primary ? "--pgdata" : "--standby-pgdata"));
  t.push_back(key(at + "host", ValueType::text, "server host, address or socket directory", "libpq default",
                  primary ? "--pghost" : "--standby-host"));
  t.push_back(whole(at + "port", kPort, "server port", "libpq default", primary ? "--pgport" : "--standby-port"));
  t.push_back(key(at + "user", ValueType::text, "user to connect as", "libpq default", primary ? "--pguser" : ""));
  t.push_back(key(at + "database", ValueType::text, "database to connect to", "postgres"));
}

void add_postgres(std::vector<KeySpec>& t) {
  const std::string s = "postgres.stanzas.*.";
  t.push_back(key("postgres", ValueType::mapping, "PostgreSQL stanzas"));
  t.push_back(key("postgres.stanzas", ValueType::named_mapping, "one entry per stanza"));
  t.push_back(key("postgres.stanzas.*", ValueType::mapping, "the settings of one stanza"));
  add_connection(t, s, true);
  t.push_back(key(s + "standby", ValueType::mapping, "the streaming standby --from-standby copies from"));
  add_connection(t, s + "standby.", false);
  t.push_back(whole(s + "wal_compression_level", kWalCompressionLevel, "zstd level of archived WAL", "3"));
  t.push_back(whole(s + "archive_timeout", kTimeoutSeconds, "seconds pg backup waits for its last WAL segment", "60",
                    "--archive-timeout"));
  t.push_back(whole(s + "retention_full", kBackupsToKeep, "pg expire: full backups to keep", "", "--keep-full"));
  t.push_back(whole(s + "retention_diff", kBackupsToKeep, "pg expire: diff backups to keep", "all", "--keep-diff"));
  t.push_back(duration(s + "pitr_window", kPitrWindow, "pg expire: keep what recovery to any point of it needs", "none",
                       "--pitr-window"));
  t.push_back(key(s + "async", ValueType::boolean, "wal-push/wal-get work through the spool", "false", "--async"));
  t.push_back(key(s + "spool", ValueType::path, "spool directory for async", "", "--spool"));
  t.push_back(whole(s + "push_parallel", kPushParallel, "segments the async pusher stores at once", "4"));
  t.push_back(whole(s + "get_ahead", kGetAhead, "segments the async fetcher keeps ready", "8"));
  t.push_back(key(s + "archive_to", ValueType::list_of_text, "replicas wal-push also stores every segment in"));
  t.push_back(whole(s + "wal_quorum", kWalQuorum, "repositories that must hold a segment", "all repositories"));
}

std::vector<KeySpec> build() {
  std::vector<KeySpec> t;
  add_top_level(t);
  add_replicas(t);
  add_lifecycle(t);
  add_postgres(t);
  return t;
}

std::string parent_of(const std::string& path) {
  size_t dot = path.rfind('.');
  size_t list = path.rfind("[]");
  if (list != std::string::npos && (dot == std::string::npos || list + 2 == dot)) return path.substr(0, list + 2);
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> table = build();
  return table;
}

const KeySpec* find_key(const std::string& path) {
  for (const auto& k : schema())
    if (k.path == path) return &k;
  return nullptr;
}

std::vector<std::string> child_names(const std::string& parent) {
  std::vector<std::string> out;
  for (const auto& k : schema()) {
    if (parent_of(k.path) != parent) continue;
    std::string name = parent.empty() ? k.path : k.path.substr(parent.size() + 1);
    if (name != "*") out.push_back(name);
  }
  return out;
}

}  // namespace strata::config
