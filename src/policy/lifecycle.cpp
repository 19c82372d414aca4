// Tier decisions and prices (see lifecycle.h).
#include "policy/lifecycle.h"

namespace strata::policy {

const char* tier_name(Tier t) {
  switch (t) {
    case Tier::hot: return "hot";
    case Tier::warm: return "warm";
    case Tier::cold: return "cold";
    case Tier::archive: return "archive";
  }
  return "?";
}

const Thresholds& Lifecycle::thresholds(const std::string& dataset) const {
  auto it = per_dataset.find(dataset);
  return it == per_dataset.end() ? defaults : it->second;
}

Tier Lifecycle::tier_for(const std::string& dataset, int64_t age_ns) const {
  const Thresholds& t = thresholds(dataset);
  if (age_ns >= t.archive_after_ns) return Tier::archive;
  if (age_ns >= t.cold_after_ns) return Tier::cold;
  if (age_ns >= t.warm_after_ns) return Tier::warm;
  return Tier::hot;
}

std::string Lifecycle::directory_tier_of(Tier t) const {
  for (int i = static_cast<int>(t); i > 0; --i) {
    const std::string name = tier_name(static_cast<Tier>(i));
    if (directories.contains(name)) return name;
  }
  return tier_name(Tier::hot);
}

ClassPrice Lifecycle::price(const std::string& storage_class) const {
  auto it = prices.find(storage_class);
  if (it != prices.end()) return it->second;
  auto standard = prices.find("STANDARD");
  return standard == prices.end() ? ClassPrice{} : standard->second;
}

bool Lifecycle::needs_restore(const std::string& storage_class) {
  return storage_class == "GLACIER" || storage_class == "DEEP_ARCHIVE";
}

}  // namespace strata::policy
