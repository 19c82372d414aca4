// Numeric command-line options (see number_option.h).
#include "cli/number_option.h"

namespace strata::cli {

std::string option_label(const std::string& names) {
  size_t at = names.find("--");
  if (at == std::string::npos) return names.substr(0, names.find(','));
  size_t end = names.find(',', at);
  return names.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace strata::cli
