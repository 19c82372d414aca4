// Wall-clock helpers: UTC timestamps with nanoseconds, RFC 3339 formatting/parsing,
// used in snapshots, locks and listings. The current time comes from a Clock
// (common/clock.h), never from here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace strata {

// "2026-11-25T11:49:01.123456789Z"
std::string format_rfc3339(int64_t ns);
// Short local-agnostic form for tables: "2026-11-25 11:49:01"
std::string format_short(int64_t ns);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac][Z]" (UTC); nullopt if malformed.
std::optional<int64_t> parse_rfc3339(const std::string& text);
// Parses durations like "30d", "12h", "1y2m3d" (y=365d, m=30d, w, d, h, min, s).
std::optional<int64_t> parse_duration_ns(const std::string& text);

}  // namespace strata
