// `strata tier apply [--dry-run]`, and the `stats --by-tier` and `restore --plan`
// reports (see tier_report.h); the work is app/tier.h's.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tier_report.h"
#include "common/time_util.h"

namespace strata::cli {
namespace {

using nlohmann::json;

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

std::string hours_text(double hours, const char* none, const std::string& prefix, const std::string& suffix) {
  return hours > 0 ? prefix + std::to_string(static_cast<int>(hours)) + suffix : none;
}

json tier_stats_json(const app::TierStats& s) {
  json j;
  j["classes"] = json::object();
  for (const auto& [cls, u] : s.classes)
    j["classes"][cls] = {{"objects", u.objects}, {"bytes", u.bytes}, {"monthly_cost_usd", u.monthly_cost_usd}};
  j["datasets"] = json::object();
  for (const auto& [ds, classes] : s.datasets)
    for (const auto& [cls, u] : classes) j["datasets"][ds][cls] = {{"packs", u.objects}, {"bytes", u.bytes}};
  j["monthly_cost_usd"] = s.monthly_cost_usd;
  return j;
}

json restore_plan_json(const repo::Snapshot& snap, const app::RestoreReadPlan& p) {
  json j;
  j["snapshot"] = snap.id;
  j["classes"] = json::object();
  for (const auto& [cls, c] : p.classes)
    j["classes"][cls] = {{"packs", c.packs},
                         {"pack_bytes", c.pack_bytes},
                         {"needed_bytes", c.needed_bytes},
                         {"needs_restore_request", c.needs_restore_request},
                         {"retrieval_cost_usd", c.retrieval_cost_usd},
                         {"retrieval_hours", c.retrieval_hours}};
  j["missing_packs"] = p.missing_packs;
  j["retrieval_cost_usd"] = p.retrieval_cost_usd;
  j["wait_hours"] = p.wait_hours;
  return j;
}

void print_tier_plan(const GlobalOptions& g, const app::TierPlan& plan, bool dry_run) {
  if (g.json) {
    json moves = json::array();
    for (const auto& [k, t] : plan.summary)
      moves.push_back({{"from", k.first}, {"to", k.second}, {"packs", t.objects}, {"bytes", t.bytes}});
    std::printf("%s\n", json({{"dry_run", dry_run}, {"moves", moves}, {"archived_in_use", plan.archived_in_use}})
                            .dump()
                            .c_str());
    return;
  }
  for (const auto& [k, t] : plan.summary)
    say(g, std::string(dry_run ? "would move " : "moved ") + std::to_string(t.objects) + " pack(s) (" +
               format_bytes(t.bytes) + ") " + k.first + " -> " + k.second);
  if (plan.summary.empty()) say(g, "every pack is in the class its age calls for");
  if (plan.archived_in_use)
    say(g, std::to_string(plan.archived_in_use) +
               " archived pack(s) are used by newer snapshots; they stay archived until "
               "restored ('strata restore --plan' shows what a restore needs)");
}

}  // namespace

void print_tier_stats(const GlobalOptions& g, const app::TierStats& s) {
  if (g.json) {
    std::printf("%s\n", tier_stats_json(s).dump().c_str());
    return;
  }
  std::printf("%-14s %10s %12s %12s\n", "Class", "Objects", "Bytes", "USD/month");
  for (const auto& [cls, u] : s.classes)
    std::printf("%-14s %10llu %12s %12s\n", cls.c_str(), static_cast<unsigned long long>(u.objects),
                format_bytes(u.bytes).c_str(), money(u.monthly_cost_usd).c_str());
  std::printf("%-14s %10s %12s %12s\n", "total", "", "", money(s.monthly_cost_usd).c_str());
  std::printf("\nPacks by dataset (of their newest snapshot):\n");
  for (const auto& [ds, classes] : s.datasets)
    for (const auto& [cls, u] : classes)
      std::printf("  %-20s %-14s %6llu packs %12s\n", ds.c_str(), cls.c_str(),
                  static_cast<unsigned long long>(u.objects), format_bytes(u.bytes).c_str());
  std::printf("\nEstimates from the price table (docs/object-storage.md §8; override in strata.yaml lifecycle.prices).\n");
}

void print_restore_plan(const GlobalOptions& g, const repo::Snapshot& snap, const app::RestoreReadPlan& p) {
  if (g.json) {
    std::printf("%s\n", restore_plan_json(snap, p).dump().c_str());
    return;
  }
  std::printf("Restore plan for snapshot %s (%s, %s): nothing has been read.\n", snap.id.substr(0, 8).c_str(),
              format_short(snap.time_ns).c_str(), snap.dataset.c_str());
  std::printf("%-14s %8s %12s %12s %10s %s\n", "Class", "Packs", "Pack bytes", "Needed", "Cost", "Wait");
  for (const auto& [cls, c] : p.classes)
    std::printf("%-14s %8llu %12s %12s %10s %s\n", cls.c_str(), static_cast<unsigned long long>(c.packs),
                format_bytes(c.pack_bytes).c_str(), format_bytes(c.needed_bytes).c_str(),
                money(c.retrieval_cost_usd).c_str(),
                hours_text(c.retrieval_hours, "immediate", "~", " h (restore request first)").c_str());
  if (p.missing_packs)
    std::printf("MISSING: %llu pack(s) named by the index are not in the repository ('strata check')\n",
                static_cast<unsigned long long>(p.missing_packs));
  std::printf("Estimated retrieval cost %s; data readable after %s.\n", money(p.retrieval_cost_usd).c_str(),
              hours_text(p.wait_hours, "no wait", "about ", " h").c_str());
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
    app::TierApplyRequest request{repository_access(g), g.file->lifecycle, *dry_run};
    print_tier_plan(g, app::apply_tiers(request, job(g)), *dry_run);
    exit_code = 0;
  });
}

}  // namespace strata::cli
