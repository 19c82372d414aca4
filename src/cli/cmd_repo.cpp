// Replication between the repository and the replicas of strata.yaml:
// `strata replicate` copies what each replica lacks (snapshots with their
// blobs, archived WAL and other records), `strata repo status` reports how far
// each replica is behind — snapshots and records present in the main
// repository but not yet in the replica, as counts, bytes and time — for
// operators and, as --json, for the monitoring layer.
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/error.h"
#include "common/time_util.h"
#include "repo/copier.h"
#include "repo/lock.h"
#include "repo/record_store.h"

namespace strata::cli {
namespace {

using nlohmann::json;

const config::ConfigFile& load_replica_config(GlobalOptions& g) {
  apply_environment(g);
  const config::ConfigFile& cfg = required_config(g, "replicas");
  if (cfg.replicas.empty()) throw Error(ExitCode::usage, cfg.path + " lists no replicas");
  return cfg;
}

GlobalOptions replica_options(const GlobalOptions& g, const config::ReplicaSettings& r) {
  return with_repository(g, r.repository, r.key_file, r.password_file);
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

// What `replica` lacks of `main`.
json replica_lag(const std::vector<repo::Snapshot>& main_snaps,
                 const std::vector<repo::RecordInfo>& main_records, repo::Repository& replica) {
  const int64_t now = now_ns();
  std::set<std::string> have;
  int64_t newest = 0;
  for (const auto& s : repo::load_snapshots(replica)) {
    have.insert(repo::original_id(s));
    newest = std::max(newest, s.time_ns);
  }
  uint64_t missing = 0, missing_bytes = 0;
  int64_t oldest_missing = 0, newest_missing = 0;
  for (const auto& s : main_snaps) {
    if (have.contains(repo::original_id(s))) continue;
    ++missing;
    missing_bytes += s.summary.bytes_stored;
    if (!oldest_missing || s.time_ns < oldest_missing) oldest_missing = s.time_ns;
    newest_missing = std::max(newest_missing, s.time_ns);
  }
  std::set<std::string> have_records;
  for (const auto& r : repo::RecordStore(replica).list("pg")) have_records.insert(r.name);
  uint64_t rec_missing = 0, rec_bytes = 0;
  int64_t rec_oldest = 0;
  std::string newest_wal;
  for (const auto& r : main_records) {
    if (have_records.contains(r.name)) continue;
    ++rec_missing;
    rec_bytes += r.stored_size;
    if (r.stored_ns && (!rec_oldest || r.stored_ns < rec_oldest)) rec_oldest = r.stored_ns;
    if (r.name.find("/wal/") != std::string::npos) newest_wal = std::max(newest_wal, r.name.substr(r.name.rfind('/') + 1));
  }

  json j;
  j["snapshots"] = have.size();
  j["newest_snapshot"] = newest ? json(format_rfc3339(newest)) : json(nullptr);
  j["missing_snapshots"] = missing;
  j["missing_snapshot_bytes"] = missing_bytes;
  j["oldest_missing_snapshot"] = missing ? json(format_rfc3339(oldest_missing)) : json(nullptr);
  j["newest_missing_snapshot"] = missing ? json(format_rfc3339(newest_missing)) : json(nullptr);
  j["snapshot_lag_seconds"] = missing ? (now - oldest_missing) / 1000000000 : 0;
  j["missing_records"] = rec_missing;
  j["missing_record_bytes"] = rec_bytes;
  j["newest_missing_wal"] = newest_wal.empty() ? json(nullptr) : json(newest_wal);
  j["record_lag_seconds"] = rec_missing && rec_oldest ? (now - rec_oldest) / 1000000000 : 0;
  j["in_sync"] = missing == 0 && rec_missing == 0;
  return j;
}

}  // namespace

void register_repo(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* group = app.add_subcommand("repo", "the repository and its replicas");
  group->require_subcommand(1);
  auto* status = group->add_subcommand("status", "how far each replica of strata.yaml (--config) is behind");
  mark_reading(*status);
  status->callback([&g, &exit_code] {
    const config::ConfigFile& cfg = load_replica_config(g);
    auto main = open_repository(g);
    auto snaps = app::load_snapshots_logged(*main);
    auto records = repo::RecordStore(*main).list("pg");
    json out;
    out["repository"] = main->backend().location();
    out["snapshots"] = snaps.size();
    out["newest_snapshot"] = snaps.empty() ? json(nullptr) : json(format_rfc3339(snaps.back().time_ns));
    out["records"] = records.size();
    out["replicas"] = json::array();
    int unreachable = 0;
    for (const auto& rep : cfg.replicas) {
      json r;
      try {
        auto replica = open_repository(replica_options(g, rep));
        r = replica_lag(snaps, records, *replica);
        r["repository"] = replica->backend().location();
      } catch (const Error& e) {
        ++unreachable;
        r["repository"] = rep.repository;
        r["error"] = e.what();
        r["in_sync"] = false;
      }
      r["name"] = rep.name;
      out["replicas"].push_back(r);
    }
    if (g.json) {
      std::printf("%s\n", out.dump().c_str());
    } else {
      say(g, "main      " + out["repository"].get<std::string>() + ": " + std::to_string(snaps.size()) +
                 " snapshot(s)" +
                 (snaps.empty() ? "" : ", newest " + format_short(snaps.back().time_ns)));
      for (const auto& r : out["replicas"]) {
        std::string line = r["name"].get<std::string>() + "  " + r["repository"].get<std::string>() + ": ";
        if (r.contains("error")) {
          line += "UNREACHABLE: " + r["error"].get<std::string>();
        } else if (r["in_sync"].get<bool>()) {
          line += "in sync (" + std::to_string(r["snapshots"].get<uint64_t>()) + " snapshot(s))";
        } else {
          line += "behind";
          if (r["missing_snapshots"].get<uint64_t>())
            line += " by " + std::to_string(r["missing_snapshots"].get<uint64_t>()) + " snapshot(s) (" +
                    human_bytes(r["missing_snapshot_bytes"].get<uint64_t>()) + " stored), lag " +
                    human_age(r["snapshot_lag_seconds"].get<int64_t>());
          if (r["missing_records"].get<uint64_t>())
            line += "; " + std::to_string(r["missing_records"].get<uint64_t>()) + " WAL/record object(s) (" +
                    human_bytes(r["missing_record_bytes"].get<uint64_t>()) + "), lag " +
                    human_age(r["record_lag_seconds"].get<int64_t>());
        }
        say(g, line);
      }
    }
    exit_code = unreachable ? static_cast<int>(ExitCode::io) : 0;
  });

  auto* replicate = app.add_subcommand("replicate", "copy what each replica of strata.yaml (--config) lacks into it");
  replicate->callback([&g, &exit_code] {
    const config::ConfigFile& cfg = load_replica_config(g);
    auto main = open_repository(g);
    auto main_lock = lock_for_reading(g, *main, "replicate (source)");
    main->load_index();
    auto snaps = app::load_snapshots_logged(*main);
    int failed = 0;
    ExitCode last = ExitCode::ok;
    for (const auto& rep : cfg.replicas) {
      try {
        auto replica = open_repository(replica_options(g, rep));
        auto lock = repo::RepoLock::acquire(*replica, false, "replicate");
        replica->load_index();
        repo::CopyOptions opts;
        opts.threads = g.threads ? g.threads : 4;
        auto r = repo::copy_snapshots(*main, *replica, snaps, opts);
        auto rec = repo::copy_records(*main, *replica, "pg");
        say(g, rep.name + ": " + std::to_string(r.snapshots_copied) + " snapshot(s) copied (" +
                   human_bytes(r.bytes_copied) + (r.raw ? ", packs as stored" : ", re-encrypted") + "), " +
                   std::to_string(rec.records) + " WAL/record object(s) (" + human_bytes(rec.bytes) + ")");
      } catch (const Error& e) {
        ++failed;
        last = e.code();
        std::fprintf(stderr, "strata: error: replica %s (%s): %s\n", rep.name.c_str(), rep.repository.c_str(), e.what());
      }
    }
    exit_code = failed ? static_cast<int>(last) : 0;
  });
}

}  // namespace strata::cli
