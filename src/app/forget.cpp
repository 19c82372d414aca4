// Removing snapshots and unreferenced data (see forget.h).
#include "app/forget.h"

#include <map>
#include <set>

#include "common/error.h"
#include "repo/lock.h"

namespace strata::app {
namespace {

// The snapshot objects `ids` name: readable ones through the list, damaged ones
// by a unique prefix of the stored names.
std::vector<std::string> objects_named(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                                       const std::vector<std::string>& ids) {
  std::vector<std::string> names;
  for (const auto& id : ids) {
    try {
      names.push_back(repo::find_snapshot(snaps, id).id);
    } catch (const Error&) {
      std::vector<std::string> raw;
      for (const auto& obj : repo.list_objects(repo::ObjectKind::snapshot))
        if (id.size() >= 4 && obj.compare(0, id.size(), id) == 0) raw.push_back(obj);
      if (raw.size() != 1) throw;
      names.push_back(raw.front());
    }
  }
  return names;
}

// Every group's decisions; the ids of the snapshots to remove are appended to `remove`.
std::vector<ForgetGroup> decide_by_policy(const std::vector<repo::Snapshot>& snaps, const repo::KeepPolicy& policy,
                                          std::vector<std::string>& remove) {
  std::map<std::string, std::vector<const repo::Snapshot*>> by_key;
  for (const auto& s : snaps) by_key[repo::snapshot_group_key(s)].push_back(&s);
  std::vector<ForgetGroup> groups;
  for (const auto& [key, members] : by_key) {
    ForgetGroup group{*members.front(), {}};
    for (const auto& d : repo::apply_keep_policy(members, policy)) {
      group.rows.push_back({*d.snapshot, d.keep, d.reasons});
      if (!d.keep) remove.push_back(d.snapshot->id);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace

ForgetOutcome forget(const ForgetRequest& request, Job& job) {
  if (request.ids.empty() && request.policy.empty())
    throw Error(ExitCode::usage, "forget needs snapshot ids or at least one --keep-* rule");
  if (!request.ids.empty() && !request.policy.empty())
    throw Error(ExitCode::usage, "give either snapshot ids or --keep-* rules, not both");
  auto repo = open_repository(request.access, job);
  std::unique_ptr<repo::RepoLock> lock;
  if (!request.dry_run) lock = repo::RepoLock::acquire(*repo, true, "forget", 0, job.cancel);
  auto snaps = load_snapshots_logged(*repo);
  ForgetOutcome out;
  std::vector<std::string> remove;
  if (!request.ids.empty()) remove = objects_named(*repo, snaps, request.ids);
  else out.groups = decide_by_policy(snaps, request.policy, remove);
  std::set<std::string> done;
  for (const auto& id : remove) {
    if (!done.insert(id).second || request.dry_run) continue;
    job.cancel.throw_if_cancelled();
    repo->backend().remove(repo::Repository::object_name(repo::ObjectKind::snapshot, id));
  }
  out.removed = done.size();
  if (request.prune && !request.dry_run) {
    repo::PruneOptions options;
    options.cancel = job.cancel;
    out.prune = repo::prune_repository(*repo, options, job.progress);
  }
  return out;
}

repo::PruneReport prune(const PruneRequest& request, Job& job) {
  auto repo = open_repository(request.access, job);
  auto lock = request.options.dry_run
                  ? lock_for_reading(request.access, *repo, "prune", job, request.lock_wait_seconds)
                  : repo::RepoLock::acquire(*repo, true, "prune", request.lock_wait_seconds, job.cancel);
  repo::PruneOptions options = request.options;
  options.cancel = job.cancel;
  return repo::prune_repository(*repo, options, job.progress);
}

}  // namespace strata::app
