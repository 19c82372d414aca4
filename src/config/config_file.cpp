// Reading strata.yaml into settings (see config_file.h). The document is checked
// against the schema first, so the readers below only convert values that are known
// to be well-formed; the checks left here relate keys to each other.
#include "config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/error.h"
#include "config/number.h"
#include "config/ranges.h"
#include "config/yaml_check.h"

namespace strata::config {

namespace {

struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(ExitCode::usage, file + ": " + key + ": " + what);
  }
  std::string path(const YAML::Node& n) const {
    std::string p = n.Scalar();
    if (!p.empty() && p[0] != '/') p = (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
    return p;
  }
  int whole(const YAML::Node& n, WholeRange range) const { return static_cast<int>(parse_whole(n.Scalar(), "", range)); }
  int64_t duration(const YAML::Node& n, DurationRange range) const { return parse_duration(n.Scalar(), "", range); }

  policy::Thresholds thresholds(const YAML::Node& n, const std::string& key, policy::Thresholds t) const {
    if (n["warm_after"]) t.warm_after_ns = duration(n["warm_after"], kTierAge);
    if (n["cold_after"]) t.cold_after_ns = duration(n["cold_after"], kTierAge);
    if (n["archive_after"]) t.archive_after_ns = duration(n["archive_after"], kTierAge);
    if (!(t.warm_after_ns <= t.cold_after_ns && t.cold_after_ns <= t.archive_after_ns))
      fail(key, "warm_after <= cold_after <= archive_after is required");
    return t;
  }
  void lifecycle(const YAML::Node& lc, policy::Lifecycle& out) const;
  void replicas(const YAML::Node& reps, std::vector<ReplicaSettings>& out) const;
  void connection(const YAML::Node& n, source::postgres::ConnectionSettings& c) const {
    if (n["host"]) c.host = n["host"].Scalar();
    if (n["port"]) c.port = whole(n["port"], kPort);
    if (n["user"]) c.user = n["user"].Scalar();
    if (n["database"]) c.database = n["database"].Scalar();
  }
  source::postgres::StanzaSettings stanza(const std::string& name, const YAML::Node& n) const;
  void check_archive_targets(const ConfigFile& cfg) const;
};

void Reader::lifecycle(const YAML::Node& lc, policy::Lifecycle& out) const {
  out.defaults = thresholds(lc, "lifecycle", out.defaults);
  for (const auto& kv : lc["datasets"])
    out.per_dataset[kv.first.Scalar()] = thresholds(kv.second, "lifecycle.datasets." + kv.first.Scalar(), out.defaults);
  const char* tiers[] = {"hot", "warm", "cold", "archive"};
  for (int i = 0; i < 4; ++i)
    if (lc["storage_classes"] && lc["storage_classes"][tiers[i]])
      out.storage_class[i] = lc["storage_classes"][tiers[i]].Scalar();
  for (const auto& kv : lc["directories"]) out.directories[kv.first.Scalar()] = path(kv.second);
  for (const auto& kv : lc["prices"]) {
    policy::ClassPrice p = out.price(kv.first.Scalar());
    if (kv.second["storage_per_gib_month"]) p.storage_per_gib_month = kv.second["storage_per_gib_month"].as<double>();
    if (kv.second["retrieval_per_gib"]) p.retrieval_per_gib = kv.second["retrieval_per_gib"].as<double>();
    if (kv.second["retrieval_hours"]) p.retrieval_hours = kv.second["retrieval_hours"].as<double>();
    out.prices[kv.first.Scalar()] = p;
  }
}

void Reader::replicas(const YAML::Node& reps, std::vector<ReplicaSettings>& out) const {
  std::set<std::string> names;
  for (size_t i = 0; i < reps.size(); ++i) {
    const auto& n = reps[i];
    const std::string key = "replicas[" + std::to_string(i) + "]";
    if (!n["repository"]) fail(key, "needs a repository");
    ReplicaSettings rep;
    rep.repository = n["repository"].Scalar();
    rep.name = n["name"] ? n["name"].Scalar() : "replica" + std::to_string(i + 1);
    if (!names.insert(rep.name).second) fail(key + ".name", "'" + rep.name + "' is used twice");
    if (n["password_file"]) rep.password_file = path(n["password_file"]);
    if (n["key_file"]) rep.key_file = path(n["key_file"]);
    out.push_back(rep);
  }
}

source::postgres::StanzaSettings Reader::stanza(const std::string& name, const YAML::Node& n) const {
  source::postgres::StanzaSettings st;
  st.name = name;
  source::postgres::check_stanza_name(st.name);
  for (const auto& to : n["archive_to"]) st.archive_to.push_back(to.Scalar());
  if (n["wal_quorum"]) st.wal_quorum = whole(n["wal_quorum"], kWalQuorum);
  if (n["async"]) st.async = n["async"].as<bool>();
  if (n["spool"]) st.spool = path(n["spool"]);
  if (n["push_parallel"]) st.push_parallel = whole(n["push_parallel"], kPushParallel);
  if (n["get_ahead"]) st.get_ahead = whole(n["get_ahead"], kGetAhead);
  if (n["retention_full"]) st.retention_full = whole(n["retention_full"], kBackupsToKeep);
  if (n["retention_diff"]) st.retention_diff = whole(n["retention_diff"], kBackupsToKeep);
  if (n["pitr_window"]) st.pitr_window_ns = duration(n["pitr_window"], kPitrWindow);
  if (n["pgdata"]) st.pgdata = path(n["pgdata"]);
  connection(n, st.primary);
  if (n["wal_compression_level"]) st.wal_compression_level = whole(n["wal_compression_level"], kWalCompressionLevel);
  if (n["archive_timeout"]) st.archive_timeout_seconds = whole(n["archive_timeout"], kTimeoutSeconds);
  if (const auto& sb = n["standby"]) {
    source::postgres::ConnectionSettings c;
    c.user = st.primary.user;
    connection(sb, c);
    st.standby = c;
    if (sb["pgdata"]) st.standby_pgdata = path(sb["pgdata"]);
  }
  return st;
}

void Reader::check_archive_targets(const ConfigFile& cfg) const {
  for (const auto& [name, st] : cfg.stanzas) {
    const std::string key = "postgres.stanzas." + name;
    for (const auto& to : st.archive_to) {
      bool known = false;
      for (const auto& rep : cfg.replicas) known = known || rep.name == to;
      if (!known) fail(key + ".archive_to", "'" + to + "' is not the name of an entry of replicas:");
    }
    if (st.wal_quorum > static_cast<int>(st.archive_to.size()) + 1)
      fail(key + ".wal_quorum", "is larger than the number of repositories (" +
                                    std::to_string(st.archive_to.size() + 1) + ": the main one and archive_to)");
  }
}

}  // namespace

ConfigFile load_config_file(const std::string& given) {
  ConfigFile cfg;
  cfg.path = std::filesystem::absolute(given).lexically_normal().string();
  {
    std::ifstream probe(cfg.path);
    if (!probe || std::filesystem::is_directory(cfg.path))
      throw io_error("cannot read config file " + cfg.path, std::filesystem::is_directory(cfg.path) ? EISDIR : errno);
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(cfg.path);
  } catch (const YAML::Exception& e) {
    throw Error(ExitCode::usage, cfg.path + ": not valid YAML: " + e.what());
  }
  check_against_schema(root, cfg.path);
  if (root.IsNull()) return cfg;
  const Reader r{cfg.path};
  if (root["repository"]) cfg.repository = root["repository"].Scalar();
  if (root["password_file"]) cfg.password_file = r.path(root["password_file"]);
  if (root["key_file"]) cfg.key_file = r.path(root["key_file"]);
  if (root["lifecycle"]) r.lifecycle(root["lifecycle"], cfg.lifecycle);
  if (root["replicas"]) r.replicas(root["replicas"], cfg.replicas);
  if (root["postgres"] && root["postgres"]["stanzas"])
    for (const auto& kv : root["postgres"]["stanzas"]) cfg.stanzas[kv.first.Scalar()] = r.stanza(kv.first.Scalar(), kv.second);
  r.check_archive_targets(cfg);
  return cfg;
}

void apply_file_defaults(RepositorySettings& settings, const ConfigFile& file) {
  if (settings.repository.empty()) settings.repository = file.repository;
  if (settings.password_file.empty() && settings.key_file.empty()) {
    settings.password_file = file.password_file;
    settings.key_file = file.key_file;
  }
}

}  // namespace strata::config
