// Storage tiers as the operator sees them: the results of app/tier.h printed as
// text or --json (`stats --by-tier`, `restore --plan`, `tier apply`).
#pragma once
#include "app/tier.h"
#include "cli/context.h"

namespace strata::cli {

void print_tier_stats(const GlobalOptions& g, const app::TierStats& stats);
void print_restore_plan(const GlobalOptions& g, const repo::Snapshot& snap, const app::RestoreReadPlan& plan);

}  // namespace strata::cli
