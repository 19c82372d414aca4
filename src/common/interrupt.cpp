// Signal watcher thread and cleanup registry (see interrupt.h).
#include "common/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

namespace strata {

namespace {
std::mutex g_mu;
std::map<CleanupId, std::function<void()>> g_cleanups;
CleanupId g_next = 1;
}  // namespace

CleanupId add_interrupt_cleanup(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(g_mu);
  CleanupId id = g_next++;
  g_cleanups[id] = std::move(fn);
  return id;
}

void remove_interrupt_cleanup(CleanupId id) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_cleanups.erase(id);
}

void install_interrupt_handler() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      for (auto& [id, fn] : g_cleanups) {
        try {
          fn();
        } catch (...) {
        }
      }
    }
    std::fprintf(stderr, "\nstrata: interrupted by signal %d; nothing half-written is visible in the "
                         "repository ('strata prune' removes leftovers)\n", sig);
    std::fflush(stderr);
    _exit(130);
  }).detach();
}

}  // namespace strata
