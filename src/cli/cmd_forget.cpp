// `strata forget`: remove snapshots by id or by a retention policy.
#include <cstdio>
#include <map>
#include <set>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "common/error.h"
#include "config/ranges.h"
#include "common/time_util.h"
#include "repo/forget_policy.h"
#include "repo/lock.h"
#include "repo/pruner.h"
#include "repo/snapshot.h"

namespace strata::cli {

void print_prune_report(const GlobalOptions& g, const repo::PruneReport& r, bool dry_run);

namespace {
struct ForgetArgs {
  std::vector<std::string> ids, keep_tags;
  repo::KeepPolicy policy;
  bool dry_run = false, prune = false;
};
}  // namespace

void register_forget(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<ForgetArgs>();
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
  cmd->add_option("--keep-tag", a->keep_tags, "keep snapshots with this tag (repeatable)");
  cmd->add_flag("--dry-run,-n", a->dry_run, "only show what would be removed");
  cmd->add_flag("--prune", a->prune, "run prune afterwards");
  cmd->callback([&g, &exit_code, a] {
    apply_environment(g);
    a->policy.tags = a->keep_tags;
    if (a->ids.empty() && a->policy.empty())
      throw Error(ExitCode::usage, "forget needs snapshot ids or at least one --keep-* rule");
    if (!a->ids.empty() && !a->policy.empty())
      throw Error(ExitCode::usage, "give either snapshot ids or --keep-* rules, not both");
    auto repo = open_repository(g);
    std::unique_ptr<repo::RepoLock> lock;
    if (!a->dry_run) lock = repo::RepoLock::acquire(*repo, true, "forget");
    auto snaps = app::load_snapshots_logged(*repo);
    std::vector<const repo::Snapshot*> remove;
    std::vector<std::string> unreadable_ids;
    if (!a->ids.empty()) {
      for (const auto& id : a->ids) {
        try {
          remove.push_back(&repo::find_snapshot(snaps, id));
        } catch (const Error& e) {
          // A damaged snapshot object cannot be loaded but can still be removed by id.
          std::vector<std::string> raw;
          for (const auto& obj : repo->list_objects(repo::ObjectKind::snapshot))
            if (id.size() >= 4 && obj.compare(0, id.size(), id) == 0) raw.push_back(obj);
          if (raw.size() != 1) throw;
          unreadable_ids.push_back(raw.front());
        }
      }
    } else {
      std::map<std::string, std::vector<const repo::Snapshot*>> groups;
      for (const auto& s : snaps) groups[repo::snapshot_group_key(s)].push_back(&s);
      for (const auto& [key, group] : groups) {
        const auto* first = group.front();
        std::string paths;
        for (const auto& p : first->paths) paths += (paths.empty() ? "" : " ") + p;
        if (!g.quiet && !g.json)
          std::printf("snapshots of host %s, dataset %s, paths %s:\n", first->host.c_str(),
                      first->dataset.c_str(), paths.c_str());
        for (const auto& d : repo::apply_keep_policy(group, a->policy)) {
          std::string why;
          for (const auto& r : d.reasons) why += (why.empty() ? "" : ", ") + r;
          if (g.json)
            std::printf("{\"id\":\"%s\",\"action\":\"%s\",\"reasons\":\"%s\"}\n", d.snapshot->id.c_str(),
                        d.keep ? "keep" : "remove", why.c_str());
          else if (!g.quiet)
            std::printf("  %-6s %s  %s%s\n", d.keep ? "keep" : "remove", d.snapshot->id.substr(0, 8).c_str(),
                        format_short(d.snapshot->time_ns).c_str(), d.keep ? ("  (" + why + ")").c_str() : "");
          if (!d.keep) remove.push_back(d.snapshot);
        }
      }
    }
    std::set<std::string> done;
    for (const auto* s : remove) {
      if (!done.insert(s->id).second) continue;
      if (a->dry_run) continue;
      repo->backend().remove(repo::Repository::object_name(repo::ObjectKind::snapshot, s->id));
    }
    for (const auto& id : unreadable_ids) {
      if (!done.insert(id).second || a->dry_run) continue;
      repo->backend().remove(repo::Repository::object_name(repo::ObjectKind::snapshot, id));
    }
    say(g, std::string(a->dry_run ? "would remove " : "removed ") + std::to_string(done.size()) + " snapshot(s)");
    if (a->prune && !a->dry_run) {
      ProgressCounters progress;
      auto r = repo::prune_repository(*repo, repo::PruneOptions{}, progress);
      print_prune_report(g, r, false);
    }
    exit_code = 0;
  });
}

}  // namespace strata::cli
