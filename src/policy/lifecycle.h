// Storage tiers by age: which tier (hot, warm, cold, archive) a pack belongs in,
// given the time of the newest snapshot that references it and the dataset's
// thresholds; the storage class of each tier on object storage; and the price
// table used to estimate what a repository costs per month and what a restore
// from colder tiers costs. Pure policy: no repository access here.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace strata::policy {

enum class Tier { hot = 0, warm = 1, cold = 2, archive = 3 };
const char* tier_name(Tier t);

struct Thresholds {  // ages (ns) from which a pack moves to the next tier
  int64_t warm_after_ns = 30LL * 86400 * 1000000000;
  int64_t cold_after_ns = 90LL * 86400 * 1000000000;
  int64_t archive_after_ns = 365LL * 86400 * 1000000000;
};

struct ClassPrice {
  double storage_per_gib_month = 0;  // USD
  double retrieval_per_gib = 0;      // USD
  double retrieval_hours = 0;        // typical wait before the bytes can be read (0: immediate)
};

struct Lifecycle {
  Thresholds defaults;
  std::map<std::string, Thresholds> per_dataset;
  std::array<std::string, 4> storage_class{"STANDARD", "STANDARD_IA", "GLACIER", "DEEP_ARCHIVE"};
  // Local repositories: tier name ("warm", "cold", "archive") -> directory; the
  // repository directory itself is the hot tier.
  std::map<std::string, std::string> directories;
  // Defaults: AWS S3 list prices (us-east-1, 2026) for standard, infrequent
  // access, Glacier Flexible Retrieval (standard retrieval) and Deep Archive
  // (standard retrieval); overridable per class in strata.yaml.
  std::map<std::string, ClassPrice> prices{
      {"STANDARD", {0.023, 0.0, 0}},
      {"STANDARD_IA", {0.0125, 0.01, 0}},
      {"GLACIER_IR", {0.004, 0.03, 0}},
      {"GLACIER", {0.0036, 0.01, 4}},
      {"DEEP_ARCHIVE", {0.00099, 0.02, 12}},
  };

  const Thresholds& thresholds(const std::string& dataset) const;
  Tier tier_for(const std::string& dataset, int64_t age_ns) const;
  const std::string& class_of(Tier t) const { return storage_class[static_cast<int>(t)]; }
  // The tier directory a pack of tier `t` goes to on a local repository: `t`'s
  // own name when it has a directory, else the nearest hotter tier that has one
  // ("hot" = the repository directory).
  std::string directory_tier_of(Tier t) const;
  // The price of a class; unknown classes cost as STANDARD.
  ClassPrice price(const std::string& storage_class) const;
  // Whether reading an object in this class needs a restore request first.
  static bool needs_restore(const std::string& storage_class);
};

}  // namespace strata::policy
