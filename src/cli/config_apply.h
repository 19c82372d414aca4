// Reading strata.yaml for commands whose settings may come from it: the file
// given by --config or STRATA_CONFIG (none: an empty configuration), with its
// repository and secret filling what flags and environment left unset.
#pragma once
#include <string>

#include "cli/config_file.h"
#include "cli/context.h"

namespace strata::cli {

ConfigFile load_config_into(GlobalOptions& g, const std::string& given);

}  // namespace strata::cli
