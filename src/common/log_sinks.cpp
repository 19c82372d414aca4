// spdlog-backed log sinks (see log_sinks.h).
#include "common/log_sinks.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <memory>

#include "common/error.h"

namespace strata {
namespace {

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warning: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::err;
}

// Our level names, not spdlog's ("warning", not "warn"): they are part of the output.
LogSink sink_of(std::shared_ptr<spdlog::logger> logger, LogLevel min_level) {
  logger->set_level(spdlog_level(min_level));
  logger->flush_on(spdlog::level::trace);
  return [logger = std::move(logger), min_level](LogLevel level, std::string_view message) {
    if (level < min_level) return;
    logger->log(spdlog_level(level), "{}: {}", log_level_name(level), message);
  };
}

}  // namespace

LogSink stderr_log_sink(const std::string& prefix, LogLevel min_level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("stderr", sink);
  logger->set_pattern(prefix + ": %v");
  return sink_of(std::move(logger), min_level);
}

LogSink file_log_sink(const std::string& path, LogLevel min_level, size_t max_bytes, size_t max_files) {
  std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> sink;
  try {
    sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_bytes, max_files);
  } catch (const spdlog::spdlog_ex& e) {
    throw Error(ExitCode::io, "cannot open log file " + path + ": " + e.what());
  }
  auto logger = std::make_shared<spdlog::logger>(path, sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  return sink_of(std::move(logger), min_level);
}

}  // namespace strata
