// Signal watcher thread of the CLI (see signals.h).
#include "cli/signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "common/emergency_cleanup.h"

namespace strata::cli {
namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal " + std::to_string(sig);
  }
}

[[noreturn]] void exit_now(int sig, const char* why) {
  run_emergency_cleanups();  // scratch servers and temporary files of the job
  std::fflush(stdout);
  std::fprintf(stderr, "\nstrata: error: interrupted by %s; %s, exiting without waiting for it\n",
               signal_name(sig).c_str(), why);
  std::fflush(stderr);
  _exit(130);
}

// Waits for the first signal, cancels the job, then waits for a second signal
// or the end of the grace period.
void watch(sigset_t set, int grace_seconds) {
  int sig = 0;
  if (sigwait(&set, &sig) != 0) return;
  process_cancel_source().cancel("interrupted by " + signal_name(sig));
  if (isatty(STDERR_FILENO))
    std::fprintf(stderr, "\nstrata: stopping at the next safe point (press Ctrl-C again to exit at once)\n");
  timespec grace{grace_seconds, 0};
  siginfo_t info;
  const int second = sigtimedwait(&set, &info, &grace);
  if (second > 0) exit_now(second, "a second signal came");
  exit_now(sig, ("the command did not stop within " + std::to_string(grace_seconds) + " s").c_str());
}

}  // namespace

CancelSource& process_cancel_source() {
  static CancelSource source;
  return source;
}

void install_signal_cancellation(int grace_seconds) {
  process_cancel_source();  // constructed before any signal can arrive
  sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, grace_seconds] { watch(set, grace_seconds); }).detach();
}

}  // namespace strata::cli
