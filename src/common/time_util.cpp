// Implementation of time helpers (UTC only; no locale or time-zone database needed).
#include "common/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace strata {

static std::tm to_tm(int64_t ns) {
  time_t secs = static_cast<time_t>(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string format_rfc3339(int64_t ns) {
  std::tm tm = to_tm(ns);
  int64_t frac = ns % 1000000000;
  if (frac < 0) frac += 1000000000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

std::string format_short(int64_t ns) {
  std::tm tm = to_tm(ns);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_rfc3339(const std::string& text) {
  int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3) return std::nullopt;
  size_t pos = static_cast<size_t>(n);
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    int m = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &m) != 3)
      return std::nullopt;
    pos += 1 + m;
  }
  int64_t frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) { frac = frac * 10 + (text[pos] - '0'); ++digits; }
      ++pos;
    }
    for (; digits < 9; ++digits) frac *= 10;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
  tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s;
  time_t secs = timegm(&tm);
  return static_cast<int64_t>(secs) * 1000000000 + frac;
}

// Units: y (365 d), m (30 d, as in restic's --keep-within), w, d, h; "min" and "s" too.
std::optional<int64_t> parse_duration_ns(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  const int64_t sec = 1000000000LL;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (start == i) return std::nullopt;
    if (i - start > 9) return std::nullopt;  // absurd; also keeps the math in range
    int64_t v = std::stoll(text.substr(start, i - start));
    size_t ustart = i;
    while (i < text.size() && !(text[i] >= '0' && text[i] <= '9')) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    int64_t mult;
    if (unit == "y") mult = 365 * 86400 * sec;
    else if (unit == "m") mult = 30 * 86400 * sec;
    else if (unit == "w") mult = 7 * 86400 * sec;
    else if (unit == "d") mult = 86400 * sec;
    else if (unit == "h") mult = 3600 * sec;
    else if (unit == "min") mult = 60 * sec;
    else if (unit == "s") mult = sec;
    else return std::nullopt;
    int64_t part;
    if (__builtin_mul_overflow(v, mult, &part) || __builtin_add_overflow(total, part, &total))
      return std::nullopt;
  }
  return total;
}

}  // namespace strata
