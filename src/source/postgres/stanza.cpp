// Stanza settings and the stanza record (see stanza.h).
#include "source/postgres/stanza.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_error.h"
#include "common/time_util.h"

namespace strata::source::postgres {

using nlohmann::json;

void check_stanza_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!ok)
    throw Error(ExitCode::usage, "invalid stanza name '" + name + "': use 1-64 letters, digits, '_' or '-'");
}

std::string stanza_prefix(const std::string& name) { return "pg/" + name; }

namespace {
std::string record_name(const std::string& stanza) { return stanza_prefix(stanza) + "/stanza.json"; }
}  // namespace

std::string StanzaRecord::to_json() const {
  json j = {{"version", 1},
            {"stanza", name},
            {"system_id", std::to_string(system_id)},
            {"server_version_num", server_version_num},
            {"wal_segment_size", wal_segment_size},
            {"block_size", block_size},
            {"data_checksums", data_checksums},
            {"created", format_rfc3339(created_ns)},
            {"created_ns", created_ns}};
  return j.dump();
}

StanzaRecord StanzaRecord::from_json(const std::string& text, const std::string& where) {
  try {
    json j = json::parse(text);
    StanzaRecord r;
    if (j.at("version").get<int>() != 1) throw Error(ExitCode::integrity, where + ": unsupported stanza record version");
    r.name = j.at("stanza").get<std::string>();
    r.system_id = std::stoull(j.at("system_id").get<std::string>());
    r.server_version_num = j.at("server_version_num").get<int>();
    r.wal_segment_size = j.at("wal_segment_size").get<uint64_t>();
    r.block_size = j.value("block_size", 8192u);
    r.data_checksums = j.value("data_checksums", false);
    r.created_ns = j.value("created_ns", int64_t{0});
    return r;
  } catch (const json::exception& e) {
    throw Error(ExitCode::integrity, where + ": corrupt stanza record: " + describe_json_error(e));
  } catch (const std::logic_error&) {  // std::stoull
    throw Error(ExitCode::integrity, where + ": corrupt stanza record: system_id is not a number");
  }
}

StanzaRecord describe_cluster(PgConnection& conn, const std::string& stanza) {
  StanzaRecord r;
  r.name = stanza;
  auto row = conn.query(
      "SELECT system_identifier::text, current_setting('server_version_num'), "
      "current_setting('wal_segment_size'), current_setting('block_size'), "
      "current_setting('data_checksums') FROM pg_control_system()");
  if (row.size() != 1 || row[0].size() != 5) throw Error(ExitCode::source, conn.where() + ": cannot read pg_control_system()");
  r.system_id = std::stoull(row[0][0]);
  r.server_version_num = std::stoi(row[0][1]);
  // wal_segment_size is shown with a unit ("16MB"); the byte count comes from pg_settings.
  r.wal_segment_size = std::stoull(conn.value(
      "SELECT setting::bigint * (CASE unit WHEN 'B' THEN 1 WHEN '8kB' THEN 8192 WHEN 'MB' THEN 1048576 ELSE 1 END) "
      "FROM pg_settings WHERE name = 'wal_segment_size'"));
  r.block_size = static_cast<uint32_t>(std::stoul(row[0][3]));
  r.data_checksums = row[0][4] == "on";
  if (r.server_version_num < 130000)
    throw Error(ExitCode::source, conn.where() + " runs PostgreSQL " + std::to_string(r.server_version_num) +
                                      "; Strata supports PostgreSQL 13 and later");
  return r;
}

std::optional<StanzaRecord> find_stanza(repo::RecordStore& records, const std::string& name) {
  check_stanza_name(name);
  auto bytes = records.get(record_name(name));
  if (!bytes) return std::nullopt;
  return StanzaRecord::from_json(std::string(bytes->begin(), bytes->end()), "stanza " + name);
}

StanzaRecord load_stanza(repo::RecordStore& records, const std::string& name, const std::string& repo_location) {
  auto r = find_stanza(records, name);
  if (!r)
    throw Error(ExitCode::not_found, "stanza " + name + " does not exist in " + repo_location +
                                         "; create it with 'strata pg stanza-create --stanza " + name + "'");
  return *r;
}

void check_same_cluster(const StanzaRecord& stanza, const StanzaRecord& cluster) {
  if (stanza.system_id != cluster.system_id)
    throw Error(ExitCode::conflict, "stanza " + stanza.name + " belongs to system id " +
                                        std::to_string(stanza.system_id) + ", this cluster is " +
                                        std::to_string(cluster.system_id));
  if (stanza.server_version_num / 10000 != cluster.server_version_num / 10000)
    throw Error(ExitCode::conflict, "stanza " + stanza.name + " was created for PostgreSQL " +
                                        std::to_string(stanza.server_version_num / 10000) + ", this cluster runs " +
                                        std::to_string(cluster.server_version_num / 10000));
}

bool create_stanza(repo::RecordStore& records, const StanzaRecord& record) {
  if (auto existing = find_stanza(records, record.name)) {
    check_same_cluster(*existing, record);
    return false;
  }
  auto text = record.to_json();
  try {
    records.put(record_name(record.name), ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  } catch (const Error& e) {
    if (e.code() != ExitCode::conflict) throw;
    // Another stanza-create won the race: fine if it recorded the same cluster.
    auto winner = find_stanza(records, record.name);
    if (!winner) throw;
    check_same_cluster(*winner, record);
    return false;
  }
  return true;
}

}  // namespace strata::source::postgres
