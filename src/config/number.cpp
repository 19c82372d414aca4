// Parsing of the numbers users type (see number.h).
#include "config/number.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/error.h"
#include "common/time_util.h"

namespace strata::config {

namespace {

const int64_t kNsPerSecond = 1000000000LL;

Error refusal(std::string_view setting, const std::string& wanted, std::string_view text) {
  return Error(ExitCode::usage, std::string(setting) + ": must be " + wanted + ", got '" + std::string(text) + "'");
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A duration in the largest unit that shows it exactly ("30d", "90min", "0s").
std::string show_duration(int64_t ns) {
  struct Unit {
    const char* name;
    int64_t ns;
  };
  static const Unit units[] = {{"y", 365 * 86400 * kNsPerSecond}, {"d", 86400 * kNsPerSecond},
                               {"h", 3600 * kNsPerSecond},        {"min", 60 * kNsPerSecond},
                               {"s", kNsPerSecond}};
  for (const auto& u : units)
    if (ns != 0 && ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
  if (ns % kNsPerSecond == 0) return std::to_string(ns / kNsPerSecond) + "s";
  return std::to_string(ns) + "ns";
}

std::string show_percent(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "%";
}

}  // namespace

std::string describe(WholeRange range) { return std::to_string(range.min) + " to " + std::to_string(range.max); }

std::string describe(DurationRange range) { return show_duration(range.min_ns) + " to " + show_duration(range.max_ns); }

std::string describe(PercentRange range) { return show_percent(range.min) + " to " + show_percent(range.max); }

Result<int64_t> try_parse_whole(std::string_view text, std::string_view setting, WholeRange range) {
  const std::string wanted = "a whole number from " + describe(range);
  const bool negative = !text.empty() && text.front() == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  // More than 18 digits is beyond every range, and beyond int64.
  if (!all_digits(digits) || digits.size() > 18) return refusal(setting, wanted, text);
  int64_t value = std::strtoll(std::string(digits).c_str(), nullptr, 10);
  if (negative) value = -value;
  if (value < range.min || value > range.max) return refusal(setting, wanted, text);
  return value;
}

int64_t parse_whole(std::string_view text, std::string_view setting, WholeRange range) {
  return try_parse_whole(text, setting, range).value();
}

Result<int64_t> try_parse_duration(std::string_view text, std::string_view setting, DurationRange range) {
  const std::string wanted = "a duration from " + describe(range) + " such as 30d, 12h, 90min or 1y6m";
  auto ns = parse_duration_ns(std::string(text));
  if (!ns || *ns < range.min_ns || *ns > range.max_ns) return refusal(setting, wanted, text);
  return *ns;
}

int64_t parse_duration(std::string_view text, std::string_view setting, DurationRange range) {
  return try_parse_duration(text, setting, range).value();
}

Result<double> try_parse_percent(std::string_view text, std::string_view setting, PercentRange range) {
  const std::string wanted = "a percentage from " + describe(range);
  std::string_view number = text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  const size_t dot = number.find('.');
  const bool shape_ok = dot == std::string_view::npos
                            ? all_digits(number)
                            : all_digits(number.substr(0, dot)) && all_digits(number.substr(dot + 1));
  if (!shape_ok || number.size() > 12) return refusal(setting, wanted, text);
  double value = std::strtod(std::string(number).c_str(), nullptr);
  if (!std::isfinite(value) || value < range.min || value > range.max) return refusal(setting, wanted, text);
  return value;
}

double parse_percent(std::string_view text, std::string_view setting, PercentRange range) {
  return try_parse_percent(text, setting, range).value();
}

}  // namespace strata::config
