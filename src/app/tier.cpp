// Tier statistics, restore read plans and tier moves (see tier.h).
#include "app/tier.h"

#include <algorithm>
#include <future>

#include "common/error.h"
#include "common/thread_pool.h"
#include "repo/pack_usage.h"
#include "storage/tiering.h"

namespace strata::app {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// The class an object is reported under: its storage class or tier; "local" on a
// local repository without tier directories.
std::string shown_class(const storage::ObjectInfo& o) { return o.storage_class.empty() ? "local" : o.storage_class; }

// "local" costs what the price table says STANDARD costs.
policy::ClassPrice price_of(const policy::Lifecycle& lifecycle, const std::string& cls) {
  return lifecycle.price(cls == "local" ? "STANDARD" : cls);
}

double gib(uint64_t bytes) { return static_cast<double>(bytes) / kGiB; }

}  // namespace

TierStats tier_stats(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                     const policy::Lifecycle& lifecycle) {
  auto usage = repo::pack_usage(repo, snaps);
  TierStats s;
  for (const auto& o : repo.backend().list("")) {
    const std::string cls = shown_class(o);
    s.classes[cls].objects++;
    s.classes[cls].bytes += o.size;
    auto id = repo::Repository::pack_id_from_name(o.name);
    if (!id || !o.name.starts_with("data/")) continue;
    auto it = usage.find(*id);
    const std::string ds = it == usage.end() ? "(unreferenced)" : it->second.dataset;
    s.datasets[ds][cls].objects++;
    s.datasets[ds][cls].bytes += o.size;
  }
  for (auto& [cls, u] : s.classes) {
    u.monthly_cost_usd = gib(u.bytes) * price_of(lifecycle, cls).storage_per_gib_month;
    s.monthly_cost_usd += u.monthly_cost_usd;
  }
  return s;
}

RestoreReadPlan plan_restore_reads(repo::Repository& repo, const repo::Snapshot& snap,
                                   const policy::Lifecycle& lifecycle) {
  std::map<std::string, storage::ObjectInfo> stored;  // pack name -> its listing
  for (auto& o : repo.backend().list("data")) stored[o.name] = std::move(o);
  RestoreReadPlan plan;
  for (const auto& [id, needed] : repo::packs_of_snapshot(repo, snap)) {
    auto it = stored.find(repo::Repository::pack_name(id));
    if (it == stored.end()) {
      ++plan.missing_packs;
      continue;
    }
    RestoreReadClass& c = plan.classes[shown_class(it->second)];
    c.packs++;
    c.pack_bytes += it->second.size;
    c.needed_bytes += needed;
  }
  for (auto& [cls, c] : plan.classes) {
    const auto price = price_of(lifecycle, cls);
    c.needs_restore_request = policy::Lifecycle::needs_restore(cls);
    c.retrieval_cost_usd = gib(c.pack_bytes) * price.retrieval_per_gib;
    c.retrieval_hours = price.retrieval_hours;
    plan.retrieval_cost_usd += c.retrieval_cost_usd;
    plan.wait_hours = std::max(plan.wait_hours, c.retrieval_hours);
  }
  return plan;
}

TierPlan plan_tier_moves(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                         const policy::Lifecycle& lifecycle, int64_t now_ns) {
  const bool object_storage = repo.backend().remote();
  auto usage = repo::pack_usage(repo, snaps);
  TierPlan plan;
  for (const auto& o : repo.backend().list("data")) {
    auto id = repo::Repository::pack_id_from_name(o.name);
    if (!id) continue;
    auto it = usage.find(*id);
    if (it == usage.end()) continue;  // unreferenced: prune's business
    // Tree packs are metadata: check, ls and restore --plan read them, so they
    // stay immediately readable whatever their age.
    const auto tier =
        it->second.trees ? policy::Tier::hot : lifecycle.tier_for(it->second.dataset, now_ns - it->second.newest_ns);
    const std::string want = object_storage ? lifecycle.class_of(tier) : lifecycle.directory_tier_of(tier);
    const std::string have = o.storage_class.empty() ? "hot" : o.storage_class;  // local, no tiers yet
    if (have == want) continue;
    if (policy::Lifecycle::needs_restore(have)) {
      ++plan.archived_in_use;  // needs a restore request before it can move
      continue;
    }
    plan.moves.push_back({o.name, have, want, o.size});
    auto& t = plan.summary[{have, want}];
    t.objects++;
    t.bytes += o.size;
  }
  return plan;
}

TierPlan apply_tiers(const TierApplyRequest& request, Job& job) {
  auto repo = open_repository(request.access, job);
  const bool object_storage = repo->backend().remote();
  if (!object_storage && request.lifecycle.directories.empty())
    throw Error(ExitCode::usage, "tier apply: " + repo->backend().location() +
                                     " is on a local disk: name its tier directories (lifecycle.directories: "
                                     "warm/cold/archive) in strata.yaml");
  auto lock = repo::RepoLock::acquire(*repo, false, "tier apply", 0, job.cancel);
  if (!object_storage && !request.dry_run)
    storage::tier_directories_of(repo->backend()).set_tier_directories(request.lifecycle.directories);
  repo->load_index();
  auto plan = plan_tier_moves(*repo, load_snapshots_logged(*repo), request.lifecycle, job.now_ns());
  if (request.dry_run) return plan;
  ThreadPool pool(job.threads ? job.threads : 4);
  std::vector<std::future<void>> moves;
  auto& classes = storage::storage_classes_of(repo->backend());
  for (const auto& m : plan.moves)
    moves.push_back(pool.submit([&classes, &m, &job] {
      job.cancel.throw_if_cancelled();
      classes.set_storage_class(m.name, m.to);
    }));
  for (auto& m : moves) m.get();
  return plan;
}

}  // namespace strata::app
