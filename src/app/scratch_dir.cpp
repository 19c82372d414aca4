// ScratchDir (see scratch_dir.h).
#include "app/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"

namespace strata::app {

void ScratchDir::create(const std::string& parent, const std::string& prefix) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::error_code ec;
  std::filesystem::create_directories(base, ec);
  if (ec) throw io_error("creating " + base, ec.value());
  std::string templ = base + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(templ.data())) throw io_error("creating a scratch directory in " + base, errno);
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace strata::app
