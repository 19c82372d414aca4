// What library layers have to say besides their results — a retry, a cache turned
// off, a cleanup that failed — goes through here, never straight to stderr: the CLI
// prints it as `strata: warning: …` lines, a long-running process routes it to the
// job that caused it. A job installs its own sink for the threads it runs on
// (ScopedLogSink); work handed to other threads carries the job's sink along with
// current_log_sink(). Without either, messages go to the process default.
#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace strata {

enum class LogLevel { debug, info, warning, error };

using LogSink = std::function<void(LogLevel, std::string_view)>;

// "warning", "error", …: how the CLI and log files name a level.
const char* log_level_name(LogLevel level);

// Replaces the process default (initially: nothing is printed). Call before other
// threads start.
void set_default_log_sink(LogSink sink);

// The sink in force on this thread: the innermost ScopedLogSink, else the default.
LogSink current_log_sink();

// Sends one message (no trailing newline) to current_log_sink().
void log_message(LogLevel level, std::string_view message);
inline void log_warning(std::string_view message) { log_message(LogLevel::warning, message); }

// Makes `sink` the sink of this thread until the object goes out of scope.
class ScopedLogSink {
 public:
  explicit ScopedLogSink(LogSink sink);
  ~ScopedLogSink();
  ScopedLogSink(const ScopedLogSink&) = delete;
  ScopedLogSink& operator=(const ScopedLogSink&) = delete;

 private:
  LogSink previous_;
};

}  // namespace strata
