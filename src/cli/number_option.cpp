// Numeric command-line options (see number_option.h).
#include "cli/number_option.h"

namespace strata::cli {

std::string option_label(const std::string& names) {
  size_t at = names.find("--");
  if (at == std::string::npos) return names.substr(0, names.find(','));
  size_t end = names.find(',', at);
  return names.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

CLI::Option* add_duration_option(CLI::App& cmd, const std::string& names, int64_t& target_ns,
                                 config::DurationRange range, const std::string& help) {
  const std::string label = option_label(names);
  auto* opt = cmd.add_option_function<std::string>(
      names, [&target_ns, label, range](const std::string& text) {
        target_ns = config::parse_duration(text, label, range);
      },
      help + " (" + config::describe(range) + ")");
  return opt->type_name("DURATION");
}

CLI::Option* add_percent_option(CLI::App& cmd, const std::string& names, double& target,
                                config::PercentRange range, const std::string& help) {
  const std::string label = option_label(names);
  auto* opt = cmd.add_option_function<std::string>(
      names, [&target, label, range](const std::string& text) {
        target = config::parse_percent(text, label, range);
      },
      help + " (" + config::describe(range) + ")");
  return opt->type_name("PERCENT");
}

}  // namespace strata::cli
