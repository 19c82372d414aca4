// Orderly reaction to SIGINT/SIGTERM/SIGHUP: the signals are blocked in every thread
// and handled by one watcher thread, which runs the registered cleanups (e.g. removing
// this process's repository lock), prints one line and exits with code 130. What a
// crash could leave behind (unindexed packs, temporary files) is what an interrupt
// leaves too; prune removes it.
#pragma once
#include <cstdint>
#include <functional>

namespace strata {

using CleanupId = uint64_t;

// Call once at the start of main, before any other thread exists.
void install_interrupt_handler();

CleanupId add_interrupt_cleanup(std::function<void()> fn);
void remove_interrupt_cleanup(CleanupId id);

}  // namespace strata
