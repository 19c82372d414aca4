// `strata pg backup --type full|diff|incr`: an online backup of the stanza's
// cluster into a new snapshot (see source/postgres/pg_backup.h).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/pg_context.h"
#include "app/pg_backup.h"
#include "common/time_util.h"

namespace strata::cli {

namespace pg = source::postgres;

void register_pg_backup(CLI::App& group, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<PgArgs>();
  auto type = std::make_shared<std::string>("incr");
  auto* cmd = group.add_subcommand("backup", "back up the stanza's cluster (full, diff or incr)");
  add_pg_options(*cmd, *a);
  cmd->add_option("--type", *type, "full, diff (changes since the last full) or incr (since the last backup)")
      ->capture_default_str();
  auto from_standby = std::make_shared<bool>(false);
  cmd->add_flag("--from-standby", *from_standby, "copy the data files from the streaming standby, not the primary");
  cmd->callback([&g, &exit_code, a, type, from_standby] {
    auto st = resolve_stanza(g, *a);  // reads strata.yaml: before repository_access
    app::PgBackupRequest request{repository_access(g), st, pg::parse_backup_type(*type),
                                 *from_standby};
    app::PgBackupOutcome out;
    {
      ProgressReporter reporter(progress_mode(g), "pg backup", job(g).progress);
      out = app::backup_postgres(request, job(g));
    }
    const auto& r = out.result;
    const auto& b = r.backup;
    const auto& s = r.files;
    for (const auto& n : r.notes) std::fprintf(stderr, "strata: note: %s\n", n.c_str());
    if (g.json) {
      nlohmann::json j = {{"snapshot_id", b.snapshot.id},
                          {"stanza", b.stanza},
                          {"type", pg::backup_type_name(b.type)},
                          {"requested_type", pg::backup_type_name(r.requested)},
                          {"prior", b.prior},
                          {"start_lsn", pg::format_lsn(b.start_lsn)},
                          {"stop_lsn", pg::format_lsn(b.stop_lsn)},
                          {"start_wal", b.start_wal},
                          {"stop_wal", b.stop_wal},
                          {"timeline", b.timeline},
                          {"files_new", s.files_new},
                          {"files_changed", s.files_changed},
                          {"files_unchanged", s.files_unchanged},
                          {"bytes_read", s.bytes_read},
                          {"bytes_total", s.bytes_total},
                          {"bytes_added", s.bytes_added},
                          {"bytes_stored", s.bytes_stored},
                          {"duration_seconds", s.duration_seconds},
                          {"checksum_pages", b.checksum_pages},
                          {"checksum_errors", b.checksum_errors}};
      std::printf("%s\n", j.dump().c_str());
    } else if (!g.quiet) {
      std::printf("%s backup %s of stanza %s: LSN %s .. %s (WAL %s .. %s, timeline %u)\n",
                  pg::backup_type_name(b.type), b.snapshot.id.substr(0, 8).c_str(), b.stanza.c_str(),
                  pg::format_lsn(b.start_lsn).c_str(), pg::format_lsn(b.stop_lsn).c_str(), b.start_wal.c_str(),
                  b.stop_wal.c_str(), b.timeline);
      std::printf("Files:   %llu new, %llu changed, %llu unchanged\n",
                  static_cast<unsigned long long>(s.files_new), static_cast<unsigned long long>(s.files_changed),
                  static_cast<unsigned long long>(s.files_unchanged));
      std::printf("Read:    %s of %s\n", format_bytes(s.bytes_read).c_str(), format_bytes(s.bytes_total).c_str());
      std::printf("Added:   %s new data, %s stored\n", format_bytes(s.bytes_added).c_str(),
                  format_bytes(s.bytes_stored).c_str());
      std::printf("Took:    %s\n", format_duration(static_cast<double>(b.stop_ns - b.start_ns) / 1e9).c_str());
      if (r.checksums_validated)
        std::printf("Pages:   %llu checked against their checksums, %zu corrupt\n",
                    static_cast<unsigned long long>(b.checksum_pages), b.checksum_errors.size());
    }
    exit_code = static_cast<int>(out.code());
    if (!b.checksum_errors.empty()) {
      for (const auto& e : b.checksum_errors) std::fprintf(stderr, "strata: corrupt page: %s\n", e.c_str());
      std::fprintf(stderr,
                   "strata: warning: backup %s holds %zu page(s) that fail their checksum in the cluster itself; "
                   "the backup is a faithful copy of them (docs/postgres.md, \"Corrupt pages\")\n",
                   b.snapshot.id.substr(0, 8).c_str(), b.checksum_errors.size());
    }
  });
}

}  // namespace strata::cli
