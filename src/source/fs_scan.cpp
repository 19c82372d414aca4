// Background size estimate for backup progress (see fs_scan.h).
#include "source/fs_scan.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

namespace strata::source {

TreeScanner::TreeScanner(std::vector<std::string> paths, std::vector<std::string> excludes,
                         bool one_file_system, ProgressCounters& counters)
    : paths_(std::move(paths)), excludes_(std::move(excludes)), one_file_system_(one_file_system),
      counters_(counters) {
  thread_ = std::thread([this] {
    for (const auto& p : paths_) {
      struct stat st;
      if (lstat(p.c_str(), &st) == 0) scan(p, st.st_dev);
    }
    if (!stop_) counters_.totals_known = true;
  });
}

TreeScanner::~TreeScanner() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void TreeScanner::scan(const std::string& path, dev_t root_dev) {
  if (stop_) return;
  std::string name = path.substr(path.rfind('/') + 1);
  for (const auto& pat : excludes_)
    if (fnmatch(pat.c_str(), name.c_str(), 0) == 0 || fnmatch(pat.c_str(), path.c_str(), 0) == 0) return;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    counters_.files_total++;
    counters_.bytes_total += static_cast<uint64_t>(st.st_size);
    return;
  }
  if (!S_ISDIR(st.st_mode) || (one_file_system_ && st.st_dev != root_dev)) return;
  DIR* d = opendir(path.c_str());
  if (!d) return;
  std::vector<std::string> children;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") children.push_back(n);
  }
  closedir(d);
  std::string prefix = path == "/" ? "/" : path + "/";
  for (const auto& c : children) scan(prefix + c, root_dev);
}

}  // namespace strata::source
