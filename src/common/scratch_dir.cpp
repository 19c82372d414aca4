// ScratchDir (see scratch_dir.h).
#include "common/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"

namespace strata {

namespace fs = std::filesystem;

std::string scratch_parent(const std::string& given) {
  std::string parent = given;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::error_code ec;
  fs::path abs = fs::absolute(parent, ec);
  if (!ec) parent = abs.lexically_normal().string();
  while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
  return parent;
}

void ScratchDir::create(const std::string& parent, const std::string& prefix) {
  const std::string base = scratch_parent(parent);
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) throw io_error("creating " + base, ec.value());
  std::string templ = base + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(templ.data())) throw io_error("creating a scratch directory in " + base, errno);
  path_ = templ;
}

std::string ScratchDir::remove() noexcept {
  if (path_.empty() || keep_ || removed_) return "";
  removed_ = true;
  std::error_code ec;
  fs::remove_all(path_, ec);
  return ec ? "removing the scratch directory " + path_ + ": " + ec.message() : "";
}

ScratchDir::~ScratchDir() { remove(); }

}  // namespace strata
