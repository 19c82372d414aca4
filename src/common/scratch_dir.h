// A private scratch directory that exists for one job and is removed with
// everything in it when the job ends — also when it fails or is cancelled —
// unless the operator asked to keep it for inspection. Used by check's
// verification copies and by the scratch instances of table recovery.
#pragma once
#include <string>

namespace strata {

class ScratchDir {
 public:
  ScratchDir() = default;
  ~ScratchDir();  // remove() unless kept
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Creates `<parent>/<prefix>XXXXXX` (mode 0700); parent "" means $TMPDIR or
  // /tmp. The parent is created if missing. Throws Error(io) naming it.
  void create(const std::string& parent, const std::string& prefix);
  const std::string& path() const { return path_; }

  // Leaves the directory behind when this object goes.
  void keep() { keep_ = true; }
  bool kept() const { return keep_; }

  // Removes the directory now (nothing when kept or not created); "" or what
  // went wrong ("removing the scratch directory D: reason"). Never throws.
  std::string remove() noexcept;

 private:
  std::string path_;
  bool keep_ = false;
  bool removed_ = false;
};

// Where scratch directories go: `given`, else $TMPDIR, else /tmp; absolute and
// without a trailing slash.
std::string scratch_parent(const std::string& given);

}  // namespace strata
