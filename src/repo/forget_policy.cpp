// Retention decisions (see forget_policy.h). Buckets use UTC calendar periods; each
// rule keeps the newest snapshot of each of its N most recent periods.
#include "repo/forget_policy.h"

#include <algorithm>
#include <ctime>

namespace strata::repo {

bool KeepPolicy::empty() const {
  return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 &&
         within_ns == 0 && tags.empty();
}

std::string snapshot_group_key(const Snapshot& s) {
  std::vector<std::string> paths = s.paths;
  std::sort(paths.begin(), paths.end());
  std::string key = s.host + "\n" + s.dataset;
  for (const auto& p : paths) key += "\n" + p;
  return key;
}

namespace {

std::tm utc(int64_t ns) {
  time_t t = static_cast<time_t>(ns / 1000000000LL);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

int64_t bucket(const char* rule, int64_t ns) {
  std::tm tm = utc(ns);
  int64_t y = tm.tm_year + 1900;
  std::string r = rule;
  if (r == "hourly") return ((y * 1000 + tm.tm_yday) * 100) + tm.tm_hour;
  if (r == "daily") return y * 1000 + tm.tm_yday;
  if (r == "weekly") {
    // ISO-8601 week number and year.
    char buf[16];
    strftime(buf, sizeof buf, "%G%V", &tm);
    return std::stoll(buf);
  }
  if (r == "monthly") return y * 100 + tm.tm_mon;
  return y;  // yearly
}

}  // namespace

std::vector<ForgetDecision> apply_keep_policy(const std::vector<const Snapshot*>& group,
                                              const KeepPolicy& policy) {
  std::vector<const Snapshot*> sorted = group;
  std::sort(sorted.begin(), sorted.end(),
            [](const Snapshot* a, const Snapshot* b) { return a->time_ns > b->time_ns; });
  struct Rule {
    const char* name;
    int remaining;
    int64_t last_bucket = INT64_MIN;
  };
  Rule rules[] = {{"hourly", policy.hourly}, {"daily", policy.daily}, {"weekly", policy.weekly},
                  {"monthly", policy.monthly}, {"yearly", policy.yearly}};
  int last_remaining = policy.last;
  int64_t newest = sorted.empty() ? 0 : sorted.front()->time_ns;
  std::vector<ForgetDecision> out;
  for (const Snapshot* s : sorted) {
    ForgetDecision d;
    d.snapshot = s;
    if (last_remaining > 0) {
      d.reasons.push_back("last");
      --last_remaining;
    }
    for (auto& rule : rules) {
      if (rule.remaining <= 0) continue;
      int64_t b = bucket(rule.name, s->time_ns);
      if (b != rule.last_bucket) {
        rule.last_bucket = b;
        rule.remaining--;
        d.reasons.push_back(rule.name);
      }
    }
    if (policy.within_ns > 0 && s->time_ns >= newest - policy.within_ns) d.reasons.push_back("within");
    for (const auto& t : policy.tags)
      if (s->has_tag(t)) d.reasons.push_back("tag:" + t);
    d.keep = !d.reasons.empty();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace strata::repo
