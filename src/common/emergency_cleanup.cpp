// Registry of cleanups for a forced exit (see emergency_cleanup.h).
#include "common/emergency_cleanup.h"

#include <map>
#include <mutex>

namespace strata {

namespace {
std::mutex g_mu;
std::map<EmergencyCleanupId, std::function<void()>> g_cleanups;
EmergencyCleanupId g_next = 1;
}  // namespace

EmergencyCleanupId add_emergency_cleanup(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(g_mu);
  EmergencyCleanupId id = g_next++;
  g_cleanups[id] = std::move(fn);
  return id;
}

void remove_emergency_cleanup(EmergencyCleanupId id) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_cleanups.erase(id);
}

void run_emergency_cleanups() {
  std::lock_guard<std::mutex> lock(g_mu);
  for (auto& [id, fn] : g_cleanups) {
    try {
      fn();
    } catch (...) {
    }
  }
  g_cleanups.clear();
}

}  // namespace strata
