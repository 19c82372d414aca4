// PostgreSQL backup metadata in snapshots (see backup_catalog.h).
#include "source/postgres/backup_catalog.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_error.h"
#include "common/time_util.h"

namespace strata::source::postgres {

using nlohmann::json;

const char* backup_type_name(BackupType t) {
  switch (t) {
    case BackupType::full: return "full";
    case BackupType::diff: return "diff";
    case BackupType::incr: return "incr";
  }
  return "?";
}

BackupType parse_backup_type(const std::string& s) {
  if (s == "full") return BackupType::full;
  if (s == "diff") return BackupType::diff;
  if (s == "incr") return BackupType::incr;
  throw Error(ExitCode::usage, "unknown backup type '" + s + "': use full, diff or incr");
}

std::string backup_dataset(const std::string& stanza) { return "pg/" + stanza; }

std::string PgBackup::to_source_json() const {
  json spaces = json::object();
  for (const auto& [oid, t] : tablespaces) spaces[oid] = {{"name", t.name}, {"location", t.location}};
  json j = {{"kind", "postgres"},
            {"version", 1},
            {"stanza", stanza},
            {"type", backup_type_name(type)},
            {"prior", prior},
            {"label", label},
            {"system_id", std::to_string(system_id)},
            {"server_version_num", server_version_num},
            {"timeline", timeline},
            {"start_lsn", format_lsn(start_lsn)},
            {"stop_lsn", format_lsn(stop_lsn)},
            {"start_wal", start_wal},
            {"stop_wal", stop_wal},
            {"start_time", format_rfc3339(start_ns)},
            {"stop_time", format_rfc3339(stop_ns)},
            {"start_ns", start_ns},
            {"stop_ns", stop_ns},
            {"pgdata", pgdata},
            {"backup_label", backup_label},
            {"tablespace_map", tablespace_map},
            {"from_standby", from_standby},
            {"databases", databases},
            {"tablespaces", spaces},
            {"checksum_pages", checksum_pages},
            {"checksum_errors", checksum_errors}};
  return j.dump();
}

PgBackup PgBackup::from_snapshot(const repo::Snapshot& snap) {
  PgBackup b;
  b.snapshot = snap;
  try {
    json j = json::parse(snap.source_json);
    if (j.at("kind").get<std::string>() != "postgres" || j.at("version").get<int>() != 1)
      throw Error(ExitCode::integrity, "not a version 1 postgres backup");
    b.stanza = j.at("stanza").get<std::string>();
    b.type = parse_backup_type(j.at("type").get<std::string>());
    b.prior = j.at("prior").get<std::string>();
    b.label = j.at("label").get<std::string>();
    b.system_id = std::stoull(j.at("system_id").get<std::string>());
    b.server_version_num = j.at("server_version_num").get<int>();
    b.timeline = j.at("timeline").get<uint32_t>();
    auto start = parse_lsn(j.at("start_lsn").get<std::string>());
    auto stop = parse_lsn(j.at("stop_lsn").get<std::string>());
    if (!start || !stop) throw Error(ExitCode::integrity, "bad LSN");
    b.start_lsn = *start;
    b.stop_lsn = *stop;
    b.start_wal = j.at("start_wal").get<std::string>();
    b.stop_wal = j.at("stop_wal").get<std::string>();
    b.start_ns = j.at("start_ns").get<int64_t>();
    b.stop_ns = j.at("stop_ns").get<int64_t>();
    b.pgdata = j.at("pgdata").get<std::string>();
    b.backup_label = j.at("backup_label").get<std::string>();
    b.tablespace_map = j.value("tablespace_map", "");
    b.from_standby = j.value("from_standby", false);
    if (j.contains("databases")) b.databases = j["databases"].get<std::map<std::string, std::string>>();
    if (j.contains("tablespaces"))
      for (const auto& [oid, t] : j["tablespaces"].items())
        b.tablespaces[oid] = {t.at("name").get<std::string>(), t.at("location").get<std::string>()};
    b.checksum_pages = j.value("checksum_pages", uint64_t{0});
    b.checksum_errors = j.value("checksum_errors", std::vector<std::string>{});
  } catch (const Error& e) {
    throw Error(ExitCode::integrity, "snapshot " + snap.id.substr(0, 8) + ": malformed postgres backup record: " + e.what());
  } catch (const json::exception& e) {
    throw Error(ExitCode::integrity,
                "snapshot " + snap.id.substr(0, 8) + ": malformed postgres backup record: " + describe_json_error(e));
  } catch (const std::logic_error&) {  // std::stoull
    throw Error(ExitCode::integrity,
                "snapshot " + snap.id.substr(0, 8) + ": malformed postgres backup record: system_id is not a number");
  }
  return b;
}

std::vector<PgBackup> list_backups(const std::vector<repo::Snapshot>& snaps, const std::string& stanza) {
  std::vector<PgBackup> out;
  const std::string dataset = backup_dataset(stanza);
  for (const auto& s : snaps) {
    if (s.dataset != dataset || s.source_json.empty()) continue;
    PgBackup b = PgBackup::from_snapshot(s);
    if (b.stanza == stanza) out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const PgBackup& a, const PgBackup& b) { return a.stop_ns < b.stop_ns; });
  return out;
}

}  // namespace strata::source::postgres
