// `strata forget`: remove snapshots by id or by a retention policy.
#include <cstdio>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "app/forget.h"
#include "common/time_util.h"
#include "config/ranges.h"

namespace strata::cli {

void print_prune_report(const GlobalOptions& g, const repo::PruneReport& r, bool dry_run);

namespace {

void print_decisions(const GlobalOptions& g, const std::vector<app::ForgetGroup>& groups) {
  for (const auto& group : groups) {
    std::string paths;
    for (const auto& p : group.first.paths) paths += (paths.empty() ? "" : " ") + p;
    if (!g.quiet && !g.json)
      std::printf("snapshots of host %s, dataset %s, paths %s:\n", group.first.host.c_str(),
                  group.first.dataset.c_str(), paths.c_str());
    for (const auto& row : group.rows) {
      std::string why;
      for (const auto& r : row.reasons) why += (why.empty() ? "" : ", ") + r;
      if (g.json)
        std::printf("{\"id\":\"%s\",\"action\":\"%s\",\"reasons\":\"%s\"}\n", row.snapshot.id.c_str(),
                    row.keep ? "keep" : "remove", why.c_str());
      else if (!g.quiet)
        std::printf("  %-6s %s  %s%s\n", row.keep ? "keep" : "remove", row.snapshot.id.substr(0, 8).c_str(),
                    format_short(row.snapshot.time_ns).c_str(), row.keep ? ("  (" + why + ")").c_str() : "");
    }
  }
}

}  // namespace

void register_forget(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<app::ForgetRequest>();
  auto keep_tags = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("forget", "remove snapshots (by id or by retention policy)");
  cmd->add_option("snapshots", a->ids, "snapshot ids to remove");
  const auto keep = config::kKeepCount;
  add_whole_option(*cmd, "--keep-last", a->policy.last, keep, "keep the N newest snapshots");
  add_whole_option(*cmd, "--keep-hourly", a->policy.hourly, keep, "keep the newest snapshot of each of the last N hours");
  add_whole_option(*cmd, "--keep-daily", a->policy.daily, keep, "... of each of the last N days");
  add_whole_option(*cmd, "--keep-weekly", a->policy.weekly, keep, "... of each of the last N weeks");
  add_whole_option(*cmd, "--keep-monthly", a->policy.monthly, keep, "... of each of the last N months");
  add_whole_option(*cmd, "--keep-yearly", a->policy.yearly, keep, "... of each of the last N years");
  add_duration_option(*cmd, "--keep-within", a->policy.within_ns, config::kKeepWithin,
                      "keep snapshots younger than this (e.g. 30d, 1y6m) relative to the newest");
  cmd->add_option("--keep-tag", *keep_tags, "keep snapshots with this tag (repeatable)");
  cmd->add_flag("--dry-run,-n", a->dry_run, "only show what would be removed");
  cmd->add_flag("--prune", a->prune, "run prune afterwards");
  cmd->callback([&g, &exit_code, a, keep_tags] {
    apply_environment(g);
    a->access = repository_access(g);
    a->policy.tags = *keep_tags;
    auto out = app::forget(*a, job(g));
    print_decisions(g, out.groups);
    say(g, std::string(a->dry_run ? "would remove " : "removed ") + std::to_string(out.removed) + " snapshot(s)");
    if (out.prune) print_prune_report(g, *out.prune, false);
    exit_code = 0;
  });
}

}  // namespace strata::cli
