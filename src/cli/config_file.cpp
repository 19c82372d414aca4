// Reading strata.yaml (see config_file.h and docs/config.md).
#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/error.h"
#include "common/time_util.h"
#include "config/ranges.h"

namespace strata::cli {

namespace {

struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(ExitCode::usage, file + ": " + key + ": " + what);
  }
  void only_keys(const YAML::Node& n, const std::string& where, const std::set<std::string>& allowed) const {
    if (!n.IsMap()) fail(where, "must be a mapping");
    for (const auto& kv : n) {
      auto k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(where.empty() ? k : where + "." + k, "unknown key (known here: " + list + ")");
      }
    }
  }
  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(key, "must be a string");
    return n.as<std::string>();
  }
  // Numbers are parsed from the scalar's text by config/number.h, as on the command
  // line: "-1", "1e3" or "12abc" are refused with the range in the message.
  int number(const YAML::Node& n, const std::string& key, config::WholeRange range) const {
    if (!n.IsScalar()) fail(key, "must be a whole number from " + config::describe(range));
    try {
      return static_cast<int>(config::parse_whole(n.Scalar(), "", range));
    } catch (const Error&) {
      fail(key, "must be a whole number from " + config::describe(range) + ", got '" + n.Scalar() + "'");
    }
  }
  int64_t duration(const YAML::Node& n, const std::string& key, config::DurationRange range) const {
    try {
      return config::parse_duration(text(n, key), "", range);
    } catch (const Error&) {
      fail(key, "must be a duration from " + config::describe(range) + " such as 30d, 12h or 1y6m, got '" +
                    n.Scalar() + "'");
    }
  }
  std::string path(const YAML::Node& n, const std::string& key) const {
    std::string p = text(n, key);
    if (!p.empty() && p[0] != '/') p = (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
    return p;
  }
  void connection(const YAML::Node& n, const std::string& key, source::postgres::ConnectionSettings& c) const {
    for (const auto& kv : n) {
      const auto k = kv.first.as<std::string>();
      if (k == "host") c.host = text(kv.second, key + ".host");
      else if (k == "port") c.port = number(kv.second, key + ".port", config::kPort);
      else if (k == "user") c.user = text(kv.second, key + ".user");
      else if (k == "database") c.database = text(kv.second, key + ".database");
    }
  }
};

}  // namespace

ConfigFile load_config_file(const std::string& given) {
  ConfigFile cfg;
  cfg.path = std::filesystem::absolute(given).lexically_normal().string();
  Reader r{cfg.path};
  {
    std::ifstream probe(cfg.path);
    if (!probe) throw io_error("cannot read config file " + cfg.path, errno);
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(cfg.path);
  } catch (const YAML::Exception& e) {
    throw Error(ExitCode::usage, cfg.path + ": not valid YAML: " + e.what());
  }
  if (root.IsNull()) return cfg;
  // Sections other parts of Strata read (daemon, schedules, ...) are allowed here.
  r.only_keys(root, "", {"repository", "password_file", "key_file", "postgres", "replicas", "lifecycle", "tiers", "sources",
                         "schedules", "retention", "server"});
  if (root["repository"]) cfg.repository = r.text(root["repository"], "repository");
  if (root["password_file"]) cfg.password_file = r.path(root["password_file"], "password_file");
  if (root["key_file"]) cfg.key_file = r.path(root["key_file"], "key_file");
  if (const auto& lc = root["lifecycle"]) {
    r.only_keys(lc, "lifecycle", {"warm_after", "cold_after", "archive_after", "datasets", "storage_classes", "directories",
                                         "prices"});
    auto thresholds = [&](const YAML::Node& n, const std::string& key, policy::Thresholds t) {
      auto age = [&](const char* k, int64_t& out) {
        if (!n[k]) return;
        out = r.duration(n[k], key + "." + k, config::kTierAge);
      };
      age("warm_after", t.warm_after_ns);
      age("cold_after", t.cold_after_ns);
      age("archive_after", t.archive_after_ns);
      if (!(t.warm_after_ns <= t.cold_after_ns && t.cold_after_ns <= t.archive_after_ns))
        r.fail(key, "warm_after <= cold_after <= archive_after is required");
      return t;
    };
    cfg.lifecycle.defaults = thresholds(lc, "lifecycle", cfg.lifecycle.defaults);
    if (const auto& ds = lc["datasets"]) {
      if (!ds.IsMap()) r.fail("lifecycle.datasets", "must be a mapping of dataset name to thresholds");
      for (const auto& kv : ds) {
        const std::string name = kv.first.as<std::string>();
        const std::string key = "lifecycle.datasets." + name;
        r.only_keys(kv.second, key, {"warm_after", "cold_after", "archive_after"});
        cfg.lifecycle.per_dataset[name] = thresholds(kv.second, key, cfg.lifecycle.defaults);
      }
    }
    if (const auto& sc = lc["storage_classes"]) {
      r.only_keys(sc, "lifecycle.storage_classes", {"hot", "warm", "cold", "archive"});
      const char* names[] = {"hot", "warm", "cold", "archive"};
      for (int i = 0; i < 4; ++i)
        if (sc[names[i]]) cfg.lifecycle.storage_class[i] = r.text(sc[names[i]], std::string("lifecycle.storage_classes.") + names[i]);
    }
    if (const auto& dirs = lc["directories"]) {
      r.only_keys(dirs, "lifecycle.directories", {"warm", "cold", "archive"});
      for (const auto& kv : dirs) {
        const std::string tier = kv.first.as<std::string>();
        cfg.lifecycle.directories[tier] = r.path(kv.second, "lifecycle.directories." + tier);
      }
    }
    if (const auto& pr = lc["prices"]) {
      if (!pr.IsMap()) r.fail("lifecycle.prices", "must be a mapping of storage class to prices");
      for (const auto& kv : pr) {
        const std::string cls = kv.first.as<std::string>();
        const std::string key = "lifecycle.prices." + cls;
        r.only_keys(kv.second, key, {"storage_per_gib_month", "retrieval_per_gib", "retrieval_hours"});
        policy::ClassPrice p = cfg.lifecycle.price(cls);
        auto num = [&](const char* k, double& out) {
          if (!kv.second[k]) return;
          try {
            out = kv.second[k].as<double>();
          } catch (const YAML::Exception&) {
            r.fail(key + "." + k, "must be a number");
          }
          if (!std::isfinite(out) || out < 0 || out > 1e9) r.fail(key + "." + k, "must be a number from 0 to 1000000000");
        };
        num("storage_per_gib_month", p.storage_per_gib_month);
        num("retrieval_per_gib", p.retrieval_per_gib);
        num("retrieval_hours", p.retrieval_hours);
        cfg.lifecycle.prices[cls] = p;
      }
    }
  }
  if (const auto& reps = root["replicas"]) {
    if (!reps.IsSequence()) r.fail("replicas", "must be a list of {name, repository, key_file|password_file}");
    std::set<std::string> names;
    for (size_t i = 0; i < reps.size(); ++i) {
      const auto& n = reps[i];
      const std::string key = "replicas[" + std::to_string(i) + "]";
      r.only_keys(n, key, {"name", "repository", "password_file", "key_file"});
      ReplicaSettings rep;
      if (!n["repository"]) r.fail(key, "needs a repository");
      rep.repository = r.text(n["repository"], key + ".repository");
      rep.name = n["name"] ? r.text(n["name"], key + ".name") : "replica" + std::to_string(i + 1);
      if (!names.insert(rep.name).second) r.fail(key + ".name", "'" + rep.name + "' is used twice");
      if (n["password_file"]) rep.password_file = r.path(n["password_file"], key + ".password_file");
      if (n["key_file"]) rep.key_file = r.path(n["key_file"], key + ".key_file");
      cfg.replicas.push_back(rep);
    }
  }
  if (const auto& pg = root["postgres"]) {
    r.only_keys(pg, "postgres", {"stanzas"});
    const auto& stanzas = pg["stanzas"];
    if (stanzas) {
      if (!stanzas.IsMap()) r.fail("postgres.stanzas", "must be a mapping of stanza name to settings");
      for (const auto& kv : stanzas) {
        source::postgres::StanzaSettings st;
        st.name = kv.first.as<std::string>();
        source::postgres::check_stanza_name(st.name);
        const std::string key = "postgres.stanzas." + st.name;
        const auto& n = kv.second;
        r.only_keys(n, key, {"pgdata", "host", "port", "user", "database", "standby", "wal_compression_level",
                             "archive_timeout", "retention_full", "retention_diff", "pitr_window", "async", "spool",
                             "push_parallel", "get_ahead", "archive_to", "wal_quorum"});
        if (const auto& to = n["archive_to"]) {
          if (!to.IsSequence()) r.fail(key + ".archive_to", "must be a list of replica names");
          for (size_t i = 0; i < to.size(); ++i) st.archive_to.push_back(r.text(to[i], key + ".archive_to"));
        }
        if (n["wal_quorum"]) st.wal_quorum = r.number(n["wal_quorum"], key + ".wal_quorum", config::kWalQuorum);
        if (n["async"]) {
          try {
            st.async = n["async"].as<bool>();
          } catch (const YAML::Exception&) {
            r.fail(key + ".async", "must be true or false");
          }
        }
        if (n["spool"]) st.spool = r.path(n["spool"], key + ".spool");
        if (n["push_parallel"]) st.push_parallel = r.number(n["push_parallel"], key + ".push_parallel", config::kPushParallel);
        if (n["get_ahead"]) st.get_ahead = r.number(n["get_ahead"], key + ".get_ahead", config::kGetAhead);
        if (n["retention_full"]) st.retention_full = r.number(n["retention_full"], key + ".retention_full", config::kBackupsToKeep);
        if (n["retention_diff"]) st.retention_diff = r.number(n["retention_diff"], key + ".retention_diff", config::kBackupsToKeep);
        if (n["pitr_window"]) st.pitr_window_ns = r.duration(n["pitr_window"], key + ".pitr_window", config::kPitrWindow);
        if (n["pgdata"]) st.pgdata = r.path(n["pgdata"], key + ".pgdata");
        r.connection(n, key, st.primary);
        if (n["wal_compression_level"])
          st.wal_compression_level = r.number(n["wal_compression_level"], key + ".wal_compression_level", config::kWalCompressionLevel);
        if (n["archive_timeout"])
          st.archive_timeout_seconds = r.number(n["archive_timeout"], key + ".archive_timeout", config::kTimeoutSeconds);
        if (const auto& sb = n["standby"]) {
          r.only_keys(sb, key + ".standby", {"pgdata", "host", "port", "user", "database"});
          source::postgres::ConnectionSettings c;
          c.user = st.primary.user;
          r.connection(sb, key + ".standby", c);
          st.standby = c;
          if (sb["pgdata"]) st.standby_pgdata = r.path(sb["pgdata"], key + ".standby.pgdata");
        }
        cfg.stanzas[st.name] = st;
      }
    }
  }
  for (const auto& [name, st] : cfg.stanzas) {
    const std::string key = "postgres.stanzas." + name;
    for (const auto& to : st.archive_to) {
      bool known = false;
      for (const auto& rep : cfg.replicas) known = known || rep.name == to;
      if (!known) r.fail(key + ".archive_to", "'" + to + "' is not the name of an entry of replicas:");
    }
    if (st.wal_quorum > static_cast<int>(st.archive_to.size()) + 1)
      r.fail(key + ".wal_quorum", "is larger than the number of repositories (" +
                                      std::to_string(st.archive_to.size() + 1) + ": the main one and archive_to)");
  }
  return cfg;
}

}  // namespace strata::cli
