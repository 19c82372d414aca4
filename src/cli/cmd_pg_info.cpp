// `strata pg info`: the stanza's backups, WAL archive, recoverable window and how
// old the newest archived WAL is (the RPO if the cluster were lost now).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/pg_context.h"
#include "app/pg_info.h"
#include "common/time_util.h"

namespace strata::cli {

namespace pg = source::postgres;

void register_pg_info(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto* cmd = group.add_subcommand("info", "backups, WAL archive and recoverable window of a stanza");
  mark_reading(*cmd);
  add_pg_options(*cmd, *a);
  cmd->callback([&g, &exit_code, a] {
    auto st = resolve_stanza(g, *a);
    const auto info = app::stanza_info(repository_access(g), st, job(g));
    const auto& [stanza, backups, ranges, window, segments, wal_bytes, wal_age, archive_lag] = info;
    nlohmann::json lag = nullptr;
    std::string lag_text = archive_lag.why_not;
    if (archive_lag.measured) {
      lag = {{"server_lsn", archive_lag.server_lsn},
             {"server_segment", archive_lag.server_segment},
             {"bytes_not_archived", archive_lag.bytes_not_archived}};
      lag_text = "server at " + archive_lag.server_lsn + " (segment " + archive_lag.server_segment +
                 "): " + format_bytes(archive_lag.bytes_not_archived) + " of WAL written but not archived yet";
    }
    if (g.json) {
      nlohmann::json jb = nlohmann::json::array();
      for (const auto& b : backups)
        jb.push_back({{"snapshot_id", b.snapshot.id},
                      {"type", pg::backup_type_name(b.type)},
                      {"prior", b.prior},
                      {"start_time", format_rfc3339(b.start_ns)},
                      {"stop_time", format_rfc3339(b.stop_ns)},
                      {"duration_seconds", static_cast<double>(b.stop_ns - b.start_ns) / 1e9},
                      {"start_lsn", pg::format_lsn(b.start_lsn)},
                      {"stop_lsn", pg::format_lsn(b.stop_lsn)},
                      {"start_wal", b.start_wal},
                      {"stop_wal", b.stop_wal},
                      {"timeline", b.timeline},
                      {"size", b.snapshot.summary.bytes_total},
                      {"bytes_added", b.snapshot.summary.bytes_added},
                      {"bytes_stored", b.snapshot.summary.bytes_stored},
                      {"checksum_errors", b.checksum_errors}});
      nlohmann::json jr = nlohmann::json::array();
      for (const auto& r : ranges)
        jr.push_back({{"timeline", r.timeline},
                      {"first", pg::segment_file_name(r.timeline, r.first_segno, stanza.wal_segment_size)},
                      {"last", pg::segment_file_name(r.timeline, r.last_segno, stanza.wal_segment_size)}});
      nlohmann::json j = {{"stanza", st.name},
                          {"system_id", std::to_string(stanza.system_id)},
                          {"server_version_num", stanza.server_version_num},
                          {"backups", jb},
                          {"wal", {{"segments", segments}, {"stored_bytes", wal_bytes}, {"ranges", jr}}},
                          {"recoverable_window",
                           {{"earliest", window.earliest_ns ? format_rfc3339(window.earliest_ns) : ""},
                            {"latest", window.latest_ns ? format_rfc3339(window.latest_ns) : ""}}},
                          {"newest_wal_age_seconds", wal_age},
                          {"archive_lag", lag}};
      std::printf("%s\n", j.dump().c_str());
      exit_code = 0;
      return;
    }
    std::printf("stanza %s: system id %llu, PostgreSQL %d, WAL segments of %llu MiB\n", st.name.c_str(),
                static_cast<unsigned long long>(stanza.system_id), stanza.server_version_num / 10000,
                static_cast<unsigned long long>(stanza.wal_segment_size >> 20));
    std::printf("wal archive: %llu segment(s), %s stored\n", static_cast<unsigned long long>(segments),
                format_bytes(wal_bytes).c_str());
    for (const auto& r : ranges)
      std::printf("  timeline %u: %s .. %s\n", r.timeline,
                  pg::segment_file_name(r.timeline, r.first_segno, stanza.wal_segment_size).c_str(),
                  pg::segment_file_name(r.timeline, r.last_segno, stanza.wal_segment_size).c_str());
    if (wal_age >= 0) std::printf("newest WAL archived %s ago (the RPO if the cluster were lost now)\n",
                                  format_duration(wal_age).c_str());
    std::printf("archive lag: %s\n", lag_text.c_str());
    std::printf("recoverable window: %s\n", window.describe().c_str());
    std::printf("backups: %zu\n", backups.size());
    for (const auto& b : backups) {
      std::printf("  %-4s %s  %s  %-8s LSN %s .. %s  WAL %s .. %s  size %s, added %s%s%s\n",
                  pg::backup_type_name(b.type), b.snapshot.id.substr(0, 8).c_str(), format_short(b.start_ns).c_str(),
                  format_duration(static_cast<double>(b.stop_ns - b.start_ns) / 1e9).c_str(),
                  pg::format_lsn(b.start_lsn).c_str(), pg::format_lsn(b.stop_lsn).c_str(), b.start_wal.c_str(),
                  b.stop_wal.c_str(), format_bytes(b.snapshot.summary.bytes_total).c_str(),
                  format_bytes(b.snapshot.summary.bytes_added).c_str(), b.prior.empty() ? "" : ", prior ",
                  b.prior.substr(0, 8).c_str());
    }
    exit_code = 0;
  });
}

}  // namespace strata::cli
