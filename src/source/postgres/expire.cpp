// Retention planning for a stanza (see expire.h). Pure: the caller removes.
#include "source/postgres/expire.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"

namespace strata::source::postgres {

ExpirePlan plan_expire(const std::vector<PgBackup>& backups, const std::vector<ArchivedWal>& wal,
                       const ExpirePolicy& policy, int64_t now_ns, uint64_t segment_size) {
  if (policy.keep_full < 1)
    throw Error(ExitCode::usage, "give how many full backups to keep: --keep-full N (N >= 1)");
  std::map<std::string, const PgBackup*> by_id;
  for (const auto& b : backups) by_id[b.snapshot.id] = &b;
  auto prior_of = [&](const PgBackup* b) -> const PgBackup* {
    auto it = b->prior.empty() ? by_id.end() : by_id.find(b->prior);
    return it == by_id.end() ? nullptr : it->second;
  };

  // Newest N fulls, newest M diffs.
  std::set<const PgBackup*> kept_full, kept_diff;
  int fulls = 0, diffs = 0;
  std::map<const PgBackup*, std::string> why;
  for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
    if (it->type == BackupType::full && fulls < policy.keep_full) {
      kept_full.insert(&*it);
      why[&*it] = "full " + std::to_string(++fulls) + " of " + std::to_string(policy.keep_full) + " kept";
    }
    if (it->type == BackupType::diff && (policy.keep_diff == 0 || diffs < policy.keep_diff)) {
      kept_diff.insert(&*it);
      ++diffs;
    }
  }
  std::set<const PgBackup*> keep;
  for (const auto& b : backups) {
    if (kept_full.count(&b)) {
      keep.insert(&b);
      continue;
    }
    if (b.type == BackupType::full) {
      why[&b] = "older than the " + std::to_string(policy.keep_full) + " full backup(s) kept";
      continue;
    }
    // A diff or incr lives as long as every backup it was made against.
    bool ok = true;
    std::string reason;
    for (const PgBackup* p = &b; ok;) {
      if (p->type == BackupType::full) {
        if (!kept_full.count(p)) ok = false, reason = "its full backup expires";
        break;
      }
      if (p->type == BackupType::diff && !kept_diff.count(p))
        ok = false, reason = p == &b ? "older than the " + std::to_string(policy.keep_diff) + " diff backup(s) kept"
                                     : "its diff backup expires";
      p = prior_of(p);
      if (ok && !p) ok = false, reason = "a backup it was made against is gone";
    }
    if (ok) {
      keep.insert(&b);
      why[&b] = "made on a kept backup";
    } else {
      why[&b] = reason;
    }
  }
  // PITR window: every backup that ended inside it, the last one before it,
  // and what they were made against.
  if (policy.pitr_window_ns > 0 && !backups.empty()) {
    const int64_t cutoff = now_ns - policy.pitr_window_ns;
    std::vector<const PgBackup*> window;
    const PgBackup* before = nullptr;
    for (const auto& b : backups) {
      if (b.stop_ns >= cutoff) window.push_back(&b);
      else before = &b;
    }
    if (before) window.push_back(before);
    for (const PgBackup* b : window)
      for (const PgBackup* p = b; p; p = p->type == BackupType::full ? nullptr : prior_of(p))
        if (keep.insert(p).second) why[p] = "needed for the PITR window";
  }
  if (!backups.empty() && keep.insert(&backups.back()).second) why[&backups.back()] = "the newest backup";

  ExpirePlan plan;
  uint64_t keep_from = UINT64_MAX;
  for (const auto& b : backups) {
    const bool k = keep.count(&b) > 0;
    plan.backups.push_back(ExpireDecision{&b, k, why[&b]});
    if (k) keep_from = std::min(keep_from, segment_number(b.start_lsn, segment_size));
  }
  if (keep_from == UINT64_MAX) return plan;  // no backups: leave the WAL alone
  for (const auto& f : wal) {
    if (f.file.kind == WalFileKind::history) continue;
    if (segment_number(f.file, segment_size) < keep_from) plan.wal_remove.push_back(f);
  }
  const PgBackup* oldest = nullptr;
  for (const auto& d : plan.backups)
    if (d.keep && (!oldest || d.backup->start_lsn < oldest->start_lsn)) oldest = d.backup;
  plan.wal_kept_from = oldest ? oldest->start_wal : "";
  return plan;
}

}  // namespace strata::source::postgres
