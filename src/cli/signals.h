// How the CLI process reacts to SIGINT, SIGTERM and SIGHUP: the signals are blocked
// in every thread and received by one watcher thread, which cancels the command's
// job (the CancelSource whose token the use case got). The job stops at its next
// safe point and unwinds — destructors remove its lock, scratch directories and
// child processes — and main() prints the error and exits 130. A second signal,
// or a job that has not stopped within the grace period, ends the process at once
// (exit 130) after the emergency cleanups (common/emergency_cleanup.h: scratch
// servers, temporary files); otherwise what that can leave behind is what a crash
// leaves, and a lock of a process that is gone is stale for every process on the host.
#pragma once
#include "common/cancel.h"

namespace strata::cli {

// The process's one job cancellation source (cli::job() hands out its token).
CancelSource& process_cancel_source();

// Call once at the start of main, before any other thread exists.
// `grace_seconds`: how long a cancelled job may take to stop before the process
// exits without waiting for it.
void install_signal_cancellation(int grace_seconds = 20);

}  // namespace strata::cli
