// Counts the files and bytes a backup will visit, on its own thread, so the progress
// line can show a percentage and an ETA while the backup runs. Cheap (lstat only) and
// stoppable; its totals are estimates (files may change meanwhile).
#pragma once
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/progress.h"

namespace strata::source {

class TreeScanner {
 public:
  TreeScanner(std::vector<std::string> paths, std::vector<std::string> excludes,
              bool one_file_system, ProgressCounters& counters);
  ~TreeScanner();  // stops and joins

 private:
  void scan(const std::string& path, dev_t root_dev);
  std::vector<std::string> paths_, excludes_;
  bool one_file_system_;
  ProgressCounters& counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace strata::source
