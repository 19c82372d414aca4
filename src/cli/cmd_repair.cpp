// `strata repair index`: rebuild the index from the packs after an index file was
// lost or damaged (repo/index_repair.h does the work; this file parses, calls and
// renders). Exit 0 when every pack is indexed, 13 when some packs could not be read.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "app/maintenance.h"

namespace strata::cli {
namespace {

using nlohmann::json;

json problems_json(const std::vector<repo::RepairProblem>& problems) {
  json out = json::array();
  for (const auto& p : problems) out.push_back({{"name", p.name}, {"problem", p.reason}});
  return out;
}

void print_repair_json(const repo::RepairIndexReport& r, bool dry_run) {
  json j = {{"packs_total", r.packs_total},
            {"packs_read", r.packs_read},
            {"blobs_indexed", r.blobs_indexed},
            {"packs_reindexed", r.packs_reindexed},
            {"index_files_kept", r.index_files_kept},
            {"index_files_written", r.index_files_written},
            {"index_files_removed", r.index_files_removed},
            {"index_files_damaged", problems_json(r.index_files_damaged)},
            {"packs_unreadable", problems_json(r.packs_unreadable)},
            {"packs_missing", r.packs_missing},
            {"unexpected_objects", r.unexpected_objects},
            {"dry_run", dry_run}};
  std::printf("%s\n", j.dump().c_str());
}

// One stderr line per finding; packs that could not be read last, as they decide
// the exit code.
void print_repair_findings(const repo::RepairIndexReport& r, bool dry_run) {
  const char* replaced = dry_run ? "would be replaced" : "replaced";
  for (const auto& p : r.index_files_damaged) std::fprintf(stderr, "strata: warning: %s (%s)\n", p.reason.c_str(), replaced);
  for (const auto& name : r.packs_missing)
    std::fprintf(stderr, "strata: warning: %s: named by an index file but missing; its blobs are %s\n",
                 name.c_str(), dry_run ? "would no longer be indexed" : "no longer indexed");
  for (const auto& name : r.unexpected_objects)
    std::fprintf(stderr, "strata: warning: %s: unexpected file in data/ (left alone)\n", name.c_str());
  for (const auto& p : r.packs_unreadable)
    std::fprintf(stderr, "strata: unreadable pack: %s (left in place)\n", p.reason.c_str());
}

void print_repair_summary(const GlobalOptions& g, const repo::RepairIndexReport& r, bool dry_run) {
  if (g.quiet) return;
  auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("read %llu of %llu pack(s), %llu blob(s)\n", n(r.packs_read), n(r.packs_total), n(r.blobs_indexed));
  if (!r.changed()) {
    std::printf("%llu index file(s) kept; nothing to write or remove\n", n(r.index_files_kept));
    return;
  }
  std::printf("%s%llu index file(s) kept; %llu pack(s) %sindexed in %llu new index file(s); %llu index file(s) %s\n",
              dry_run ? "dry run: " : "", n(r.index_files_kept), n(r.packs_reindexed),
              dry_run ? "would be " : "", n(r.index_files_written), n(r.index_files_removed.size()),
              dry_run ? "to remove" : "removed");
}

}  // namespace

void register_repair(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* group = app.add_subcommand("repair", "repair the repository");
  group->require_subcommand(1);
  auto opts = std::make_shared<repo::RepairIndexOptions>();
  auto* cmd = group->add_subcommand("index", "rebuild the index from the packs (exclusive lock)");
  cmd->add_flag("--dry-run,-n", opts->dry_run, "only report what would be written and removed");
  cmd->callback([&g, &exit_code, opts] {
    apply_environment(g);
    repo::RepairIndexReport r;
    {
      ProgressReporter reporter(progress_mode(g), "repair index", job(g).progress);
      r = app::repair_index(repository_access(g), *opts, job(g));
    }
    print_repair_findings(r, opts->dry_run);
    if (g.json)
      print_repair_json(r, opts->dry_run);
    else
      print_repair_summary(g, r, opts->dry_run);
    exit_code = 0;
    if (!r.packs_unreadable.empty()) {
      std::fprintf(stderr, "strata: error: %zu pack(s) could not be read; they are left in place "
                   "('strata check --read-data' names the damage)\n", r.packs_unreadable.size());
      exit_code = static_cast<int>(ExitCode::integrity);
    }
  });
}

}  // namespace strata::cli
