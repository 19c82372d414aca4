// Storage tiers as the operator sees them: `strata tier apply` (move packs to
// the class their age calls for), `strata stats --by-tier` (bytes, objects and
// monthly cost per class and dataset) and `strata restore --plan` (what a
// restore would read from which class, and what that costs in time and money).
#pragma once
#include <string>

#include "cli/context.h"
#include "repo/repository.h"
#include "repo/snapshot.h"

namespace strata::cli {

void print_tier_stats(const GlobalOptions& g, repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                      const policy::Lifecycle& lifecycle);
void print_restore_plan(const GlobalOptions& g, repo::Repository& repo, const repo::Snapshot& snap,
                        const policy::Lifecycle& lifecycle);

}  // namespace strata::cli
