// What must not outlive the process even when it is forced to exit without
// unwinding: a child server started on a scratch directory, a temporary file
// beside a final name. Normal ends — success, failure, a cancelled job — release
// these through destructors (RAII); this registry is only for the owner of the
// process (cli/signals.cpp, and a daemon's shutdown), which runs the entries right
// before an exit that does not wait for running jobs. Nothing here handles
// signals or ends the process.
#pragma once
#include <cstdint>
#include <functional>

namespace strata {

using EmergencyCleanupId = uint64_t;

// Registers `fn` (must not throw; called at most once, from any thread).
EmergencyCleanupId add_emergency_cleanup(std::function<void()> fn);
// Unregisters; waits for the entry if it is running right now.
void remove_emergency_cleanup(EmergencyCleanupId id);
// Runs every registered entry (each once; exceptions are swallowed).
void run_emergency_cleanups();

}  // namespace strata
