// Process default and per-thread log sinks (see log.h).
#include "common/log.h"

#include <mutex>

namespace strata {

namespace {
std::mutex g_default_mu;
LogSink g_default;
thread_local LogSink t_sink;
}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "?";
}

void set_default_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_default_mu);
  g_default = std::move(sink);
}

LogSink current_log_sink() {
  if (t_sink) return t_sink;
  std::lock_guard<std::mutex> lock(g_default_mu);
  return g_default;
}

void log_message(LogLevel level, std::string_view message) {
  LogSink sink = current_log_sink();
  if (sink) sink(level, message);
}

ScopedLogSink::ScopedLogSink(LogSink sink) : previous_(std::move(t_sink)) { t_sink = std::move(sink); }

ScopedLogSink::~ScopedLogSink() { t_sink = std::move(previous_); }

}  // namespace strata
