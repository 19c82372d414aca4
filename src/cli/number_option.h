// Numeric command-line options, registered so that CLI11 hands the text to
// config/number.h: the value is checked against its range while the command line is
// parsed (exit 2, nothing opened), the help shows the range, and the option's type
// reads N, DURATION or PERCENT — never CLI11's own INT/UINT/FLOAT, which accept
// negative or absurd values (tests/integration/test_numeric_options.sh relies on it).
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "config/number.h"

namespace strata::cli {

// The long name of "-t,--target" ("--target"): how messages name the option.
std::string option_label(const std::string& names);

// An option whose text `parse(text, label, range)` turns into the target's value
// (throwing Error(usage) when it is out of range); its help ends with the range.
template <class Target, class Range, class Parse>
CLI::Option* add_checked_option(CLI::App& cmd, const std::string& names, Target& target, Range range,
                                const std::string& type, const std::string& help, Parse parse) {
  const std::string label = option_label(names);
  auto* opt = cmd.add_option_function<std::string>(
      names, [&target, label, range, parse](const std::string& text) {
        target = static_cast<Target>(parse(text, label, range));
      },
      help + " (" + config::describe(range) + ")");
  return opt->type_name(type);
}

// A whole-number option stored into `target` (any integer type that holds the range).
template <class Int>
CLI::Option* add_whole_option(CLI::App& cmd, const std::string& names, Int& target, config::WholeRange range,
                              const std::string& help) {
  return add_checked_option(cmd, names, target, range, "N", help, config::parse_whole);
}

// A duration option ("30d", "12h") stored as nanoseconds.
inline CLI::Option* add_duration_option(CLI::App& cmd, const std::string& names, int64_t& target_ns,
                                        config::DurationRange range, const std::string& help) {
  return add_checked_option(cmd, names, target_ns, range, "DURATION", help, config::parse_duration);
}

// A percentage option ("10" or "10%").
inline CLI::Option* add_percent_option(CLI::App& cmd, const std::string& names, double& target,
                                       config::PercentRange range, const std::string& help) {
  return add_checked_option(cmd, names, target, range, "PERCENT", help, config::parse_percent);
}

}  // namespace strata::cli
