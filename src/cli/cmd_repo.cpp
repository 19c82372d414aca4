// `strata repo status` (how far each replica of strata.yaml is behind, as text or
// --json for monitoring) and `strata replicate` (copy what each lacks); the work
// is app/replication.h's.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "app/replication.h"
#include "common/time_util.h"

namespace strata::cli {
namespace {

using nlohmann::json;

std::vector<app::ReplicaTarget> configured_replicas(GlobalOptions& g) {
  apply_environment(g);
  return app::replica_targets(repository_access(g), required_config(g, "replicas"));
}

json time_or_null(int64_t ns) { return ns ? json(format_rfc3339(ns)) : json(nullptr); }

json lag_json(const app::ReplicaLag& lag) {
  return {{"snapshots", lag.snapshots},
          {"newest_snapshot", time_or_null(lag.newest_snapshot_ns)},
          {"missing_snapshots", lag.missing_snapshots},
          {"missing_snapshot_bytes", lag.missing_snapshot_bytes},
          {"oldest_missing_snapshot", time_or_null(lag.oldest_missing_ns)},
          {"newest_missing_snapshot", time_or_null(lag.newest_missing_ns)},
          {"snapshot_lag_seconds", lag.snapshot_lag_seconds},
          {"missing_records", lag.missing_records},
          {"missing_record_bytes", lag.missing_record_bytes},
          {"newest_missing_wal", lag.newest_missing_wal.empty() ? json(nullptr) : json(lag.newest_missing_wal)},
          {"record_lag_seconds", lag.record_lag_seconds},
          {"in_sync", lag.in_sync()}};
}

json status_json(const app::ReplicationStatus& st) {
  json out;
  out["repository"] = st.location;
  out["snapshots"] = st.snapshots;
  out["newest_snapshot"] = time_or_null(st.newest_snapshot_ns);
  out["records"] = st.records;
  out["replicas"] = json::array();
  for (const auto& rep : st.replicas) {
    json r = rep.lag ? lag_json(*rep.lag) : json({{"error", rep.error}, {"in_sync", false}});
    r["repository"] = rep.location;
    r["name"] = rep.name;
    out["replicas"].push_back(r);
  }
  return out;
}

std::string human_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string human_age(int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::string replica_line(const app::ReplicaStatus& r) {
  std::string line = r.name + "  " + r.location + ": ";
  if (!r.lag) return line + "UNREACHABLE: " + r.error;
  const auto& lag = *r.lag;
  if (lag.in_sync()) return line + "in sync (" + std::to_string(lag.snapshots) + " snapshot(s))";
  line += "behind";
  if (lag.missing_snapshots)
    line += " by " + std::to_string(lag.missing_snapshots) + " snapshot(s) (" + human_bytes(lag.missing_snapshot_bytes) +
            " stored), lag " + human_age(lag.snapshot_lag_seconds);
  if (lag.missing_records)
    line += "; " + std::to_string(lag.missing_records) + " WAL/record object(s) (" +
            human_bytes(lag.missing_record_bytes) + "), lag " + human_age(lag.record_lag_seconds);
  return line;
}

}  // namespace

void register_repo(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* group = app.add_subcommand("repo", "the repository and its replicas");
  group->require_subcommand(1);
  auto* status = group->add_subcommand("status", "how far each replica of strata.yaml (--config) is behind");
  mark_reading(*status);
  status->callback([&g, &exit_code] {
    auto replicas = configured_replicas(g);
    auto st = app::replication_status(repository_access(g), replicas, job(g));
    if (g.json) {
      std::printf("%s\n", status_json(st).dump().c_str());
    } else {
      say(g, "main      " + st.location + ": " + std::to_string(st.snapshots) + " snapshot(s)" +
                 (st.snapshots ? ", newest " + format_short(st.newest_snapshot_ns) : ""));
      for (const auto& r : st.replicas) say(g, replica_line(r));
    }
    exit_code = st.unreachable() ? static_cast<int>(ExitCode::io) : 0;
  });

  auto* replicate = app.add_subcommand("replicate", "copy what each replica of strata.yaml (--config) lacks into it");
  replicate->callback([&g, &exit_code] {
    auto replicas = configured_replicas(g);
    exit_code = 0;
    for (const auto& c : app::replicate(repository_access(g), replicas, job(g))) {
      if (c.error) {
        std::fprintf(stderr, "strata: error: replica %s (%s): %s\n", c.name.c_str(), c.location.c_str(),
                     c.error->what());
        exit_code = static_cast<int>(c.error->code());
        continue;
      }
      say(g, c.name + ": " + std::to_string(c.snapshots.snapshots_copied) + " snapshot(s) copied (" +
                 human_bytes(c.snapshots.bytes_copied) + (c.snapshots.raw ? ", packs as stored" : ", re-encrypted") +
                 "), " + std::to_string(c.records.records) + " WAL/record object(s) (" + human_bytes(c.records.bytes) +
                 ")");
    }
  });
}

}  // namespace strata::cli
