// Every number a user can type — a command-line option, a STRATA_* environment
// variable, a strata.yaml key — is parsed here and nowhere else: whole numbers,
// durations and percentages, each against the range its setting allows. A value
// outside the range, a negative where none is meaningful, a number too large to
// hold or text that is not a number is one Error(usage) naming the setting, the
// range and what was given, raised while parsing, before any command has opened a
// repository (docs/cli.md, "Numbers").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::config {

// Inclusive bounds of a whole-number setting.
struct WholeRange {
  int64_t min, max;
};

// Inclusive bounds of a duration setting, in nanoseconds.
struct DurationRange {
  int64_t min_ns, max_ns;
};

// Inclusive bounds of a percentage setting.
struct PercentRange {
  double min, max;
};

// Each parser comes in two forms: try_* returns a Result (for callers that report
// the failure themselves, e.g. with a file and line), the plain one throws it.

// "12" -> 12. Only decimal digits (a leading '-' for negative bounds); no spaces,
// signs other than one '-', fractions or units. Error(usage):
// "<setting>: must be a whole number from MIN to MAX, got 'TEXT'".
Result<int64_t> try_parse_whole(std::string_view text, std::string_view setting, WholeRange range);
int64_t parse_whole(std::string_view text, std::string_view setting, WholeRange range);

// "30d", "1y6m", "12h", "90min", "45s" -> nanoseconds (common/time_util's units).
// Error(usage): "<setting>: must be a duration from MIN to MAX such as 30d, 12h or
// 1y6m, got 'TEXT'".
Result<int64_t> try_parse_duration(std::string_view text, std::string_view setting, DurationRange range);
int64_t parse_duration(std::string_view text, std::string_view setting, DurationRange range);

// "10" or "10%" or "2.5%" -> 10.0 / 2.5. Error(usage) naming the range.
Result<double> try_parse_percent(std::string_view text, std::string_view setting, PercentRange range);
double parse_percent(std::string_view text, std::string_view setting, PercentRange range);

// "1 to 1000000", "0s to 1y": the range as the messages and docs show it.
std::string describe(WholeRange range);
std::string describe(DurationRange range);
std::string describe(PercentRange range);

}  // namespace strata::config
