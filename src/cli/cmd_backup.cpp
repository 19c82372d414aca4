// `strata backup`: back up paths (or stdin) into a new snapshot.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/error.h"
#include "common/time_util.h"
#include "common/host_identity.h"
#include "repo/lock.h"
#include "repo/snapshot.h"
#include "source/fs_backup.h"
#include "source/fs_scan.h"

namespace strata::cli {

namespace {

struct BackupArgs {
  std::string time;  // --time: recorded instead of the start time
  std::vector<std::string> paths, tags, excludes;
  std::string dataset = "default", host, parent, stdin_name;
  bool one_file_system = false, force = false, from_stdin = false;
};

// The most recent snapshot of the same host, dataset and paths.
const repo::Snapshot* pick_parent(const std::vector<repo::Snapshot>& snaps, const std::string& host,
                                  const std::string& dataset, std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
    auto p = it->paths;
    std::sort(p.begin(), p.end());
    if (it->host == host && it->dataset == dataset && p == paths) return &*it;
  }
  return nullptr;
}

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
  auto a = std::make_shared<BackupArgs>();
  auto* cmd = app.add_subcommand("backup", "back up files and directories into a new snapshot");
  cmd->add_option("paths", a->paths, "files or directories to back up");
  cmd->add_option("--tag", a->tags, "tag the snapshot (repeatable)");
  cmd->add_option("--dataset", a->dataset, "dataset name")->capture_default_str();
  cmd->add_option("--host", a->host, "host name to record (default: this host)");
  cmd->add_option("--time", a->time, "time to record instead of now, RFC 3339 UTC (e.g. 2026-01-31T22:00:00Z; imports)");
  cmd->add_option("--exclude", a->excludes, "exclude paths matching this glob (repeatable)");
  cmd->add_flag("--one-file-system,-x", a->one_file_system, "do not cross filesystem boundaries");
  cmd->add_flag("--force", a->force, "read every file even if unchanged since the parent");
  cmd->add_option("--parent", a->parent, "compare against this snapshot instead of the latest");
  cmd->add_flag("--stdin", a->from_stdin, "back up standard input as one file");
  cmd->add_option("--stdin-name", a->stdin_name, "file name for --stdin")->capture_default_str();
  cmd->callback([&g, &exit_code, a] {
    apply_environment(g);
    if (a->from_stdin && !a->paths.empty())
      throw Error(ExitCode::usage, "--stdin takes no paths");
    if (!a->from_stdin && a->paths.empty())
      throw Error(ExitCode::usage, "nothing to back up: give at least one path (or --stdin)");
    if (a->from_stdin && a->stdin_name.empty()) a->stdin_name = "stdin";
    if (a->dataset.empty()) throw Error(ExitCode::usage, "--dataset must not be empty");
    auto repo = open_repository(g);
    auto lock = repo::RepoLock::acquire(*repo, false, "backup");
    repo->load_index();
    auto snaps = app::load_snapshots_logged(*repo);
    source::BackupOptions opts;
    opts.paths = a->paths;
    opts.excludes = a->excludes;
    opts.one_file_system = a->one_file_system;
    opts.force = a->force;
    opts.tags = a->tags;
    opts.dataset = a->dataset;
    opts.host = a->host.empty() ? local_hostname() : a->host;
    opts.threads = g.threads;
    std::optional<int64_t> recorded_time;
    if (!a->time.empty()) {
      recorded_time = parse_rfc3339(a->time);
      if (!recorded_time) throw Error(ExitCode::usage, "--time '" + a->time + "' is not RFC 3339 (YYYY-MM-DDTHH:MM:SSZ)");
    }
    opts.before_commit = [&lock, recorded_time](repo::Snapshot& s) {
      lock->check_held();
      if (recorded_time) s.time_ns = *recorded_time;
    };
    std::vector<std::string> abs;
    for (const auto& p : a->paths) abs.push_back(source::canonical_source_path(p));
    if (!a->parent.empty()) opts.parent = &repo::find_snapshot(snaps, a->parent);
    else if (!a->from_stdin) opts.parent = pick_parent(snaps, opts.host, opts.dataset, abs);
    ProgressCounters progress;
    source::BackupResult result;
    {
      ProgressMode mode = progress_mode(g, true);
      std::unique_ptr<source::TreeScanner> scanner;
      if (mode != ProgressMode::none && !a->from_stdin)
        scanner = std::make_unique<source::TreeScanner>(abs, a->excludes, a->one_file_system, progress);
      ProgressReporter reporter(mode, "backup", progress);
      if (a->from_stdin) result = source::backup_stream(*repo, STDIN_FILENO, a->stdin_name, opts, progress);
      else result = source::backup_paths(*repo, opts, progress);
    }
    for (const auto& e : result.errors) std::fprintf(stderr, "strata: cannot read %s\n", e.c_str());
    print_summary(g, result);
    if (!result.errors.empty()) {
      std::fprintf(stderr, "strata: warning: snapshot %s is incomplete: %zu file(s) could not be read\n",
                   result.snapshot.id.substr(0, 8).c_str(), result.errors.size());
      exit_code = static_cast<int>(ExitCode::partial);
    }
  });
}

}  // namespace strata::cli
