// `strata backup`: back up paths (or stdin) into a new snapshot.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/backup.h"
#include "cli/commands.h"
#include "common/time_util.h"

namespace strata::cli {

namespace {

void print_summary(const GlobalOptions& g, const source::BackupResult& r) {
  const auto& s = r.snapshot.summary;
  if (g.json) {
    nlohmann::json j = {{"message_type", "summary"},
                        {"snapshot_id", r.snapshot.id},
                        {"parent", r.snapshot.parent},
                        {"files_new", s.files_new},
                        {"files_changed", s.files_changed},
                        {"files_unchanged", s.files_unchanged},
                        {"files_failed", s.files_failed},
                        {"dirs_new", s.dirs_new},
                        {"bytes_read", s.bytes_read},
                        {"bytes_total", s.bytes_total},
                        {"bytes_added", s.bytes_added},
                        {"bytes_stored", s.bytes_stored},
                        {"blobs_added", s.blobs_added},
                        {"duration_seconds", s.duration_seconds},
                        {"errors", r.errors}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  if (g.quiet) return;
  std::printf("Files:   %llu new, %llu changed, %llu unchanged\n",
              static_cast<unsigned long long>(s.files_new), static_cast<unsigned long long>(s.files_changed),
              static_cast<unsigned long long>(s.files_unchanged));
  std::printf("Read:    %s of %s (unchanged files are not read again)\n", format_bytes(s.bytes_read).c_str(),
              format_bytes(s.bytes_total).c_str());
  std::printf("Added:   %s new data, %s stored after compression and encryption\n",
              format_bytes(s.bytes_added).c_str(), format_bytes(s.bytes_stored).c_str());
  double rate = s.duration_seconds > 0 ? static_cast<double>(s.bytes_read) / s.duration_seconds : 0;
  std::printf("Took:    %s (%s/s)\n", format_duration(s.duration_seconds).c_str(),
              format_bytes(static_cast<uint64_t>(rate)).c_str());
  std::printf("snapshot %s saved\n", r.snapshot.id.substr(0, 8).c_str());
}

}  // namespace

void register_backup(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<app::BackupRequest>();
  auto time = std::make_shared<std::string>();
  auto from_stdin = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("backup", "back up files and directories into a new snapshot");
  cmd->add_option("paths", a->paths, "files or directories to back up");
  cmd->add_option("--tag", a->tags, "tag the snapshot (repeatable)");
  cmd->add_option("--dataset", a->dataset, "dataset name")->capture_default_str();
  cmd->add_option("--host", a->host, "host name to record (default: this host)");
  cmd->add_option("--time", *time, "time to record instead of now, RFC 3339 UTC (e.g. 2026-01-31T22:00:00Z; imports)");
  cmd->add_option("--exclude", a->excludes, "exclude paths matching this glob (repeatable)");
  cmd->add_flag("--one-file-system,-x", a->one_file_system, "do not cross filesystem boundaries");
  cmd->add_flag("--force", a->force, "read every file even if unchanged since the parent");
  cmd->add_option("--parent", a->parent, "compare against this snapshot instead of the latest");
  cmd->add_flag("--stdin", *from_stdin, "back up standard input as one file");
  cmd->add_option("--stdin-name", a->stream_name, "file name for --stdin")->capture_default_str();
  cmd->callback([&g, &exit_code, a, time, from_stdin] {
    apply_environment(g);
    a->access = repository_access(g);
    a->stream_fd = *from_stdin ? STDIN_FILENO : -1;
    if (!time->empty()) {
      a->recorded_time_ns = parse_rfc3339(*time);
      if (!a->recorded_time_ns)
        throw Error(ExitCode::usage, "--time '" + *time + "' is not RFC 3339 (YYYY-MM-DDTHH:MM:SSZ)");
    }
    const ProgressMode mode = progress_mode(g, true);
    a->count_totals = mode != ProgressMode::none;
    app::BackupOutcome out;
    {
      ProgressReporter reporter(mode, "backup", job(g).progress);
      out = app::backup(*a, job(g));
    }
    const auto& result = out.result;
    for (const auto& e : result.errors) std::fprintf(stderr, "strata: cannot read %s\n", e.c_str());
    print_summary(g, result);
    if (!result.errors.empty())
      std::fprintf(stderr, "strata: warning: snapshot %s is incomplete: %zu file(s) could not be read\n",
                   result.snapshot.id.substr(0, 8).c_str(), result.errors.size());
    exit_code = static_cast<int>(out.code());
  });
}

}  // namespace strata::cli
