// strata.yaml applied to the global options (see config_apply.h).
#include "cli/config_apply.h"

#include <cstdlib>

namespace strata::cli {

ConfigFile load_config_into(GlobalOptions& g, const std::string& given) {
  std::string path = given;
  if (path.empty() && std::getenv("STRATA_CONFIG")) path = std::getenv("STRATA_CONFIG");
  if (path.empty()) return ConfigFile{};
  ConfigFile cfg = load_config_file(path);
  if (g.repo.empty()) g.repo = cfg.repository;
  if (g.password_file.empty() && g.key_file.empty()) {
    g.password_file = cfg.password_file;
    g.key_file = cfg.key_file;
  }
  return cfg;
}

}  // namespace strata::cli
