// `strata tier apply [--dry-run]`, `stats --by-tier` and `restore --plan`
// reports (see tier_report.h).
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "common/error.h"
#include "common/thread_pool.h"
#include "common/time_util.h"
#include "repo/lock.h"
#include "repo/pack_usage.h"
#include "storage/tiering.h"

namespace strata::cli {
namespace {

using nlohmann::json;
constexpr double kGiB = 1024.0 * 1024 * 1024;

struct ClassTotal {
  uint64_t objects = 0, bytes = 0;
};

// The class an object is reported under: its storage class or tier; "local" on a
// local repository without tier directories.
std::string shown_class(const storage::ObjectInfo& o) { return o.storage_class.empty() ? "local" : o.storage_class; }

// "local" costs what the price table says STANDARD costs.
policy::ClassPrice price_of(const policy::Lifecycle& lifecycle, const std::string& cls) {
  return lifecycle.price(cls == "local" ? "STANDARD" : cls);
}

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

}  // namespace

void print_tier_stats(const GlobalOptions& g, repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                      const policy::Lifecycle& lifecycle) {
  auto usage = repo::pack_usage(repo, snaps);
  std::map<std::string, ClassTotal> by_class;                          // every object
  std::map<std::string, std::map<std::string, ClassTotal>> by_dataset;  // packs: dataset -> class
  for (const auto& o : repo.backend().list("")) {
    const std::string cls = shown_class(o);
    by_class[cls].objects++;
    by_class[cls].bytes += o.size;
    if (auto id = repo::Repository::pack_id_from_name(o.name); id && o.name.starts_with("data/")) {
      auto it = usage.find(*id);
      const std::string ds = it == usage.end() ? "(unreferenced)" : it->second.dataset;
      by_dataset[ds][cls].objects++;
      by_dataset[ds][cls].bytes += o.size;
    }
  }
  double total = 0;
  json j;
  j["classes"] = json::object();
  for (const auto& [cls, t] : by_class) {
    const double cost = static_cast<double>(t.bytes) / kGiB * price_of(lifecycle, cls).storage_per_gib_month;
    total += cost;
    j["classes"][cls] = {{"objects", t.objects}, {"bytes", t.bytes}, {"monthly_cost_usd", cost}};
  }
  j["datasets"] = json::object();
  for (const auto& [ds, classes] : by_dataset)
    for (const auto& [cls, t] : classes) j["datasets"][ds][cls] = {{"packs", t.objects}, {"bytes", t.bytes}};
  j["monthly_cost_usd"] = total;
  if (g.json) {
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%-14s %10s %12s %12s\n", "Class", "Objects", "Bytes", "USD/month");
  for (const auto& [cls, t] : by_class)
    std::printf("%-14s %10llu %12s %12s\n", cls.c_str(), static_cast<unsigned long long>(t.objects),
                format_bytes(t.bytes).c_str(), money(j["classes"][cls]["monthly_cost_usd"].get<double>()).c_str());
  std::printf("%-14s %10s %12s %12s\n", "total", "", "", money(total).c_str());
  std::printf("\nPacks by dataset (of their newest snapshot):\n");
  for (const auto& [ds, classes] : by_dataset)
    for (const auto& [cls, t] : classes)
      std::printf("  %-20s %-14s %6llu packs %12s\n", ds.c_str(), cls.c_str(),
                  static_cast<unsigned long long>(t.objects), format_bytes(t.bytes).c_str());
  std::printf("\nEstimates from the price table (docs/object-storage.md §8; override in strata.yaml lifecycle.prices).\n");
}

void print_restore_plan(const GlobalOptions& g, repo::Repository& repo, const repo::Snapshot& snap,
                        const policy::Lifecycle& lifecycle) {
  auto packs = repo::packs_of_snapshot(repo, snap);
  std::map<std::string, storage::ObjectInfo> stored;  // pack name -> its listing
  for (auto& o : repo.backend().list("data")) stored[o.name] = std::move(o);
  struct Row {
    uint64_t packs = 0, pack_bytes = 0, needed_bytes = 0;
  };
  std::map<std::string, Row> rows;
  uint64_t missing = 0;
  for (const auto& [id, needed] : packs) {
    const std::string name = repo::Repository::pack_name(id);
    auto it = stored.find(name);
    if (it == stored.end()) {
      ++missing;
      continue;
    }
    Row& r = rows[shown_class(it->second)];
    r.packs++;
    r.pack_bytes += it->second.size;
    r.needed_bytes += needed;
  }
  double cost = 0, wait_hours = 0;
  json j;
  j["snapshot"] = snap.id;
  j["classes"] = json::object();
  for (const auto& [cls, r] : rows) {
    auto price = price_of(lifecycle, cls);
    const double c = static_cast<double>(r.pack_bytes) / kGiB * price.retrieval_per_gib;
    cost += c;
    wait_hours = std::max(wait_hours, price.retrieval_hours);
    j["classes"][cls] = {{"packs", r.packs},
                         {"pack_bytes", r.pack_bytes},
                         {"needed_bytes", r.needed_bytes},
                         {"needs_restore_request", policy::Lifecycle::needs_restore(cls)},
                         {"retrieval_cost_usd", c},
                         {"retrieval_hours", price.retrieval_hours}};
  }
  j["missing_packs"] = missing;
  j["retrieval_cost_usd"] = cost;
  j["wait_hours"] = wait_hours;
  if (g.json) {
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("Restore plan for snapshot %s (%s, %s): nothing has been read.\n", snap.id.substr(0, 8).c_str(),
              format_short(snap.time_ns).c_str(), snap.dataset.c_str());
  std::printf("%-14s %8s %12s %12s %10s %s\n", "Class", "Packs", "Pack bytes", "Needed", "Cost", "Wait");
  for (const auto& [cls, r] : rows) {
    const auto& c = j["classes"][cls];
    const double hours = c["retrieval_hours"].get<double>();
    std::printf("%-14s %8llu %12s %12s %10s %s\n", cls.c_str(), static_cast<unsigned long long>(r.packs),
                format_bytes(r.pack_bytes).c_str(), format_bytes(r.needed_bytes).c_str(),
                money(c["retrieval_cost_usd"].get<double>()).c_str(),
                hours > 0 ? ("~" + std::to_string(static_cast<int>(hours)) + " h (restore request first)").c_str()
                          : "immediate");
  }
  if (missing) std::printf("MISSING: %llu pack(s) named by the index are not in the repository ('strata check')\n",
                           static_cast<unsigned long long>(missing));
  std::printf("Estimated retrieval cost %s; data readable after %s.\n", money(cost).c_str(),
              wait_hours > 0 ? ("about " + std::to_string(static_cast<int>(wait_hours)) + " h").c_str() : "no wait");
}

void register_tier(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto* group = app.add_subcommand("tier", "storage tiers of the packs (hot, warm, cold, archive)");
  group->require_subcommand(1);
  auto dry_run = std::make_shared<bool>(false);
  auto* apply = group->add_subcommand("apply", "move packs to the storage class (object storage) or tier directory "
                                               "(local disk) their age calls for");
  apply->add_flag("--dry-run", *dry_run, "only show what would move");
  apply->callback([&g, &exit_code, dry_run] {
    apply_environment(g);
    const config::ConfigFile& cfg = *g.file;
    auto repo = open_repository(g);
    const bool object_storage = repo->backend().remote();
    if (!object_storage && cfg.lifecycle.directories.empty())
      throw Error(ExitCode::usage, "tier apply: " + repo->backend().location() +
                                       " is on a local disk: name its tier directories (lifecycle.directories: "
                                       "warm/cold/archive) in strata.yaml");
    auto lock = repo::RepoLock::acquire(*repo, false, "tier apply");
    // Recorded in the repository before anything moves, so that every later
    // command finds the packs without the configuration.
    if (!object_storage && !*dry_run) storage::tier_directories_of(repo->backend()).set_tier_directories(cfg.lifecycle.directories);
    repo->load_index();
    auto snaps = load_snapshots_or_warn(*repo);
    auto usage = repo::pack_usage(*repo, snaps);
    const int64_t now = now_ns();
    struct Move {
      std::string name, from, to;
      uint64_t size;
    };
    std::vector<Move> moves;
    uint64_t stuck = 0;
    for (const auto& o : repo->backend().list("data")) {
      auto id = repo::Repository::pack_id_from_name(o.name);
      if (!id) continue;
      auto it = usage.find(*id);
      if (it == usage.end()) continue;  // unreferenced: prune's business
      // Tree packs are metadata: check, ls and restore --plan read them, so they
      // stay immediately readable whatever their age.
      const auto tier = it->second.trees ? policy::Tier::hot
                                         : cfg.lifecycle.tier_for(it->second.dataset, now - it->second.newest_ns);
      const std::string want = object_storage ? cfg.lifecycle.class_of(tier) : cfg.lifecycle.directory_tier_of(tier);
      const std::string have = o.storage_class.empty() ? "hot" : o.storage_class;  // local, no tiers yet
      if (have == want) continue;
      if (policy::Lifecycle::needs_restore(have)) {
        ++stuck;  // an archived pack a newer snapshot uses: needs a restore request before it can move
        continue;
      }
      moves.push_back({o.name, have, want, o.size});
    }
    std::map<std::pair<std::string, std::string>, ClassTotal> summary;
    for (const auto& m : moves) {
      auto& t = summary[{m.from, m.to}];
      t.objects++;
      t.bytes += m.size;
    }
    if (!*dry_run) {
      ThreadPool pool(g.threads ? g.threads : 4);
      std::vector<std::future<void>> jobs;
      auto& classes = storage::storage_classes_of(repo->backend());
      for (const auto& m : moves) jobs.push_back(pool.submit([&classes, &m] { classes.set_storage_class(m.name, m.to); }));
      for (auto& j : jobs) j.get();
    }
    if (g.json) {
      json j = json::array();
      for (const auto& [k, t] : summary) j.push_back({{"from", k.first}, {"to", k.second}, {"packs", t.objects}, {"bytes", t.bytes}});
      std::printf("%s\n", json({{"dry_run", *dry_run}, {"moves", j}, {"archived_in_use", stuck}}).dump().c_str());
    } else {
      for (const auto& [k, t] : summary)
        say(g, std::string(*dry_run ? "would move " : "moved ") + std::to_string(t.objects) + " pack(s) (" +
                   format_bytes(t.bytes) + ") " + k.first + " -> " + k.second);
      if (summary.empty()) say(g, "every pack is in the class its age calls for");
      if (stuck)
        say(g, std::to_string(stuck) + " archived pack(s) are used by newer snapshots; they stay archived until "
                                       "restored ('strata restore --plan' shows what a restore needs)");
    }
    exit_code = 0;
  });
}

}  // namespace strata::cli
