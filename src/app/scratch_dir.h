// A private scratch directory that exists for one command and is removed with
// everything in it when the command ends (also when it fails).
#pragma once
#include <string>

namespace strata::app {

class ScratchDir {
 public:
  ScratchDir() = default;
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Creates `<parent>/<prefix>XXXXXX` (mode 0700); parent "" means $TMPDIR or
  // /tmp. The parent is created if missing. Throws Error(io) naming it.
  void create(const std::string& parent, const std::string& prefix);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace strata::app
