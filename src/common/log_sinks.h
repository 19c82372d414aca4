// Where log messages end up (the LogSinks of log.h), written through spdlog so
// that formatting, flushing and file rotation are not hand-made: the CLI's stderr
// lines ("strata: warning: …", the one-line contract of docs/exit-codes.md) and
// timestamped log files for long-running processes and per-job logs.
#pragma once
#include <cstddef>
#include <string>

#include "common/log.h"

namespace strata {

// "PREFIX: LEVEL: message" on stderr, one line per message, flushed at once;
// messages below `min_level` are dropped. Thread-safe.
LogSink stderr_log_sink(const std::string& prefix, LogLevel min_level);

// "2026-12-07T16:18:07.123Z warning message" lines appended to `path`, which is
// rotated at `max_bytes` keeping `max_files` older files (path.1, path.2, …);
// messages below `min_level` are dropped, each line is flushed at once (a crash
// loses nothing that was logged). Error(io) naming `path` when it cannot be
// opened. Thread-safe; several sinks may write different files at once.
LogSink file_log_sink(const std::string& path, LogLevel min_level, size_t max_bytes = 64 << 20,
                      size_t max_files = 5);

}  // namespace strata
