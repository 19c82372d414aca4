// Progress line / JSON status events for long operations (see progress_reporter.h).
#include "cli/progress_reporter.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace strata::cli {

ProgressReporter::ProgressReporter(ProgressMode mode, std::string action, const ProgressCounters& counters,
                                   const Clock& clock)
    : mode_(mode), action_(std::move(action)), c_(counters), clock_(clock), start_ns_(clock.monotonic_ns()) {
  if (mode_ != ProgressMode::none) thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() { stop(); }

void ProgressReporter::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (mode_ == ProgressMode::terminal) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void ProgressReporter::run() {
  std::unique_lock<std::mutex> lk(mu_);
  int tick = 0;
  while (!cv_.wait_for(lk, std::chrono::milliseconds(250), [this] { return stop_; })) {
    ++tick;
    if (mode_ == ProgressMode::json && tick % 4 != 0) continue;
    print(false);
  }
}

void ProgressReporter::print(bool) {
  double elapsed = static_cast<double>(clock_.monotonic_ns() - start_ns_) / 1e9;
  uint64_t bytes = c_.bytes_done, files = c_.files_done;
  double rate = elapsed > 0 ? static_cast<double>(bytes) / elapsed : 0;
  bool known = c_.totals_known;
  uint64_t total = c_.bytes_total;
  double eta = (known && rate > 0 && total > bytes) ? static_cast<double>(total - bytes) / rate : 0;
  if (mode_ == ProgressMode::json) {
    nlohmann::json j = {{"message_type", "status"}, {"action", action_},
                        {"seconds_elapsed", elapsed}, {"files_done", files},
                        {"bytes_done", bytes},        {"errors", c_.errors.load()}};
    if (known) {
      j["files_total"] = c_.files_total.load();
      j["bytes_total"] = total;
      j["percent_done"] = total ? static_cast<double>(bytes) / static_cast<double>(total) : 1.0;
      j["seconds_remaining"] = eta;
    }
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
    return;
  }
  std::string line = "[" + format_duration(elapsed) + "] " + action_ + ": " +
                     std::to_string(files) + " files, " + format_bytes(bytes);
  if (known) {
    double pct = total ? 100.0 * static_cast<double>(bytes) / static_cast<double>(total) : 100.0;
    char buf[96];
    std::snprintf(buf, sizeof buf, " of %s (%.1f%%)", format_bytes(total).c_str(), pct);
    line += buf;
  }
  line += ", " + format_bytes(static_cast<uint64_t>(rate)) + "/s";
  if (eta > 0) line += ", ETA " + format_duration(eta);
  if (c_.errors) line += ", " + std::to_string(c_.errors.load()) + " errors";
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace strata::cli
