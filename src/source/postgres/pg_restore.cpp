// Restore of a PostgreSQL cluster for point-in-time recovery (see pg_restore.h).
#include "source/postgres/pg_restore.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/time_util.h"
#include "repo/record_store.h"
#include "repo/tree_walk.h"
#include "source/postgres/conf_text.h"
#include "source/postgres/stanza.h"

namespace strata::source::postgres {

using posix::Durability;
using posix::replace_file;

namespace fs = std::filesystem;

namespace {

std::string utc_text(int64_t ns) { return format_short(ns) + " UTC"; }

// PostgreSQL's timestamptz input for a time given in UTC nanoseconds.
std::string pg_timestamp(int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>((ns % 1'000'000'000) / 1000));
  return buf;
}

bool directory_is_empty(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  if (!fs::is_directory(dir, ec)) throw Error(ExitCode::usage, dir + " exists and is not a directory");
  return fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

// A postmaster.pid whose process is alive: a server runs on this directory.
bool server_running(const std::string& pgdata) {
  std::ifstream in(pgdata + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Removes what the backup does not have (a --delta restore over an old copy).
void remove_extraneous(repo::Repository& repo, const PgBackup& b, const std::string& pgdata) {
  std::set<std::string> keep;
  const std::string sub = repo::normalize_snapshot_path(b.pgdata);
  repo::walk_tree(repo, b.snapshot.tree, [&](const std::string& path, const repo::Node&) {
    if (path == sub || path.compare(0, sub.size() + 1, sub + "/") == 0) {
      if (path.size() > sub.size()) keep.insert(path.substr(sub.size()));
      return true;
    }
    return sub.compare(0, path.size() + 1, path + "/") == 0;  // an ancestor
  });
  std::vector<fs::path> extra;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(pgdata, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    std::string rel = it->path().string().substr(pgdata.size());
    if (!keep.count(rel)) {
      extra.push_back(it->path());
      if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
    }
  }
  for (const auto& p : extra) fs::remove_all(p, ec);
}

// postgresql.auto.conf without any earlier recovery setting (ours or another
// tool's), then ours appended.
void write_recovery_settings(const std::string& pgdata, const std::vector<std::string>& settings,
                             const struct stat& owner) {
  const std::string path = pgdata + "/postgresql.auto.conf";
  std::ifstream in(path);
  std::string line, kept;
  auto is_recovery_key = [](const std::string& l) {
    size_t start = l.find_first_not_of(" \t");
    if (start == std::string::npos) return false;
    for (const char* k : {"restore_command", "recovery_target", "recovery_end_command", "primary_conninfo",
                          "primary_slot_name"})
      if (l.compare(start, std::strlen(k), k) == 0) return true;
    return l.compare(start, 24, "# recovery settings writ") == 0;
  };
  while (std::getline(in, line))
    if (!is_recovery_key(line)) kept += line + "\n";
  kept += "# recovery settings written by strata pg restore\n";
  for (const auto& s : settings) kept += s + "\n";
  replace_file(path, kept, Durability::synced, &owner);
}

}  // namespace

std::optional<int64_t> parse_target_time(const std::string& text) {
  int Y, M, D, h, m, s, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &s, &n) != 6 || n == 0)
    return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(n));
  int64_t frac_ns = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    int64_t scale = 100'000'000;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
      frac_ns += (rest[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == 1) return std::nullopt;
    rest = rest.substr(i);
  }
  while (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  int64_t offset_s = 0;
  if (rest == "Z" || rest == "UTC" || rest.empty()) {
  } else if (rest[0] == '+' || rest[0] == '-') {
    int oh = 0, om = 0;
    std::string digits;
    for (char c : rest.substr(1))
      if (c != ':') digits += c;
    if ((digits.size() != 2 && digits.size() != 4) || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    oh = std::stoi(digits.substr(0, 2));
    if (digits.size() == 4) om = std::stoi(digits.substr(2));
    offset_s = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1'000'000'000 + frac_ns;
}

std::string RecoverableWindow::describe() const {
  return (earliest_ns ? utc_text(earliest_ns) : std::string("(no backup)")) + " .. " +
         (latest_ns ? utc_text(latest_ns) : std::string("(no archived WAL)"));
}

RecoverableWindow recoverable_window(const std::vector<PgBackup>& backups, const std::vector<ArchivedWal>& wal) {
  RecoverableWindow w;
  if (!backups.empty()) {
    w.earliest_ns = backups.front().stop_ns;
    w.earliest_lsn = backups.front().stop_lsn;
  }
  for (const auto& f : wal)
    if (f.file.kind == WalFileKind::segment) w.latest_ns = std::max(w.latest_ns, f.stored_ns);
  return w;
}

const PgBackup& choose_backup(const std::vector<PgBackup>& backups, const RecoverableWindow& window,
                              const RecoveryTarget& target, const std::string& set) {
  if (backups.empty()) throw Error(ExitCode::not_found, "the stanza has no backups yet: run 'strata pg backup' first");
  if (!set.empty()) {
    const PgBackup* found = nullptr;
    for (const auto& b : backups)
      if (b.snapshot.id.compare(0, set.size(), set) == 0) {
        if (found) throw Error(ExitCode::usage, "backup '" + set + "' is ambiguous");
        found = &b;
      }
    if (!found) throw Error(ExitCode::not_found, "backup '" + set + "' not found in the stanza");
    if (target.kind == TargetKind::time && target.time_ns < found->stop_ns)
      throw Error(ExitCode::not_found, "target time " + utc_text(target.time_ns) + " is before the end of backup " +
                                           set + " (" + utc_text(found->stop_ns) + ")");
    return *found;
  }
  if (target.kind == TargetKind::time) {
    if (target.time_ns < window.earliest_ns || (window.latest_ns && target.time_ns > window.latest_ns))
      throw Error(ExitCode::not_found, "target time " + utc_text(target.time_ns) +
                                           " is outside the recoverable window " + window.describe());
    for (auto it = backups.rbegin(); it != backups.rend(); ++it)
      if (it->stop_ns <= target.time_ns) return *it;
  }
  if (target.kind == TargetKind::lsn) {
    for (auto it = backups.rbegin(); it != backups.rend(); ++it)
      if (it->stop_lsn <= target.lsn) return *it;
    throw Error(ExitCode::not_found, "target LSN " + format_lsn(target.lsn) +
                                         " is before the end of the oldest backup (" +
                                         format_lsn(window.earliest_lsn) + ")");
  }
  return backups.back();
}

namespace {

// The data directory to restore into, absolute; refused while a server runs on
// it, or when it is not empty without --delta.
std::string checked_pgdata(const PgRestoreOptions& options) {
  if (options.pgdata.empty()) throw Error(ExitCode::usage, "give the data directory to restore into: --pgdata DIR");
  const std::string pgdata = fs::absolute(options.pgdata).lexically_normal().string();
  if (server_running(pgdata))
    throw Error(ExitCode::usage, "a PostgreSQL server is running on " + pgdata + " (postmaster.pid); stop it first");
  if (!options.delta && !directory_is_empty(pgdata))
    throw Error(ExitCode::usage, pgdata + " is not empty; restore into an empty directory, or add --delta to "
                                          "bring this copy up to date (files not in the backup are removed)");
  return pgdata;
}

// A backup is usable only with the WAL from its start to its stop.
void require_backup_wal(const PgBackup& b, WalArchive& archive, uint64_t seg) {
  auto missing = archive.missing_segments(b.timeline, segment_number(b.start_lsn, seg),
                                          segment_number(b.stop_lsn - 1, seg));
  if (!missing.empty())
    throw Error(ExitCode::integrity, "backup " + b.snapshot.id.substr(0, 8) + " needs WAL " + b.start_wal + " .. " +
                                         b.stop_wal + " to become consistent, but " + missing.front() +
                                         " is not in the repository");
}

struct TablespacePlan {
  std::vector<std::pair<const PgBackup::Tablespace*, std::string>> spaces;  // -> destination
  std::string map_text;  // tablespace_map content for the new locations
};

// Where each tablespace goes, checked before anything is written.
TablespacePlan plan_tablespaces(const PgBackup& b, const PgRestoreOptions& options) {
  for (const auto& [key, dir] : options.tablespace_map) {
    bool known = false;
    for (const auto& [oid, t] : b.tablespaces) known = known || key == oid || key == t.name;
    if (!known) throw Error(ExitCode::not_found, "backup " + b.snapshot.id.substr(0, 8) + " has no tablespace " + key);
  }
  TablespacePlan plan;
  for (const auto& [oid, t] : b.tablespaces) {
    std::string dest = options.tablespaces_under.empty() ? t.location : options.tablespaces_under + "/" + oid;
    if (auto it = options.tablespace_map.find(oid); it != options.tablespace_map.end()) dest = it->second;
    if (auto it = options.tablespace_map.find(t.name); it != options.tablespace_map.end()) dest = it->second;
    dest = fs::absolute(dest).lexically_normal().string();
    if (!options.delta && !directory_is_empty(dest))
      throw Error(ExitCode::usage, "tablespace " + t.name + " (oid " + oid + "): " + dest +
                                       " is not empty; give --tablespace-map " + t.name + "=DIR, empty it, or add --delta");
    plan.spaces.emplace_back(&t, dest);
    plan.map_text += oid + " " + dest + "\n";
  }
  return plan;
}

// --db-include: every other non-system database is restored as holes below
// base/<oid> (recovery still runs); returns their names.
std::vector<std::string> leave_out_databases(const PgBackup& b, const PgRestoreOptions& options, RestoreOptions& ro) {
  std::vector<std::string> left_out;
  if (options.db_include.empty()) return left_out;
  if (b.databases.empty())
    throw Error(ExitCode::usage, "backup " + b.snapshot.id.substr(0, 8) + " does not list its databases; --db-include needs a newer backup");
  std::set<std::string> names;
  for (const auto& [oid, name] : b.databases) names.insert(name);
  for (const auto& want : options.db_include)
    if (!names.count(want)) {
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      throw Error(ExitCode::not_found, "database " + want + " is not in backup " + b.snapshot.id.substr(0, 8) + " (it has " + all + ")");
    }
  for (const auto& [oid, name] : b.databases) {
    const bool system = name == "template0" || name == "template1" || name == "postgres";
    if (system || std::find(options.db_include.begin(), options.db_include.end(), name) != options.db_include.end()) continue;
    ro.zero_content_under.push_back("/base/" + oid);
    left_out.push_back(name);
  }
  return left_out;
}

RestoreOptions restore_options(const PgRestoreOptions& options, const std::string& target, const std::string& subtree) {
  RestoreOptions ro;
  ro.target = target;
  ro.subtree = subtree;
  ro.threads = options.threads;
  ro.delta = options.delta;
  ro.cancel = options.cancel;
  return ro;
}

Error incomplete(const std::string& what, const std::vector<std::string>& errors) {
  return Error(ExitCode::integrity, "restore of " + what + " is incomplete: " + errors.front() +
                                        (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)" : "") +
                                        "; do not start this cluster");
}

void restore_tablespaces(repo::Repository& repo, const PgBackup& b, const TablespacePlan& plan,
                         const PgRestoreOptions& options, ProgressCounters& progress, RestoreResult& total) {
  for (const auto& [t, dest] : plan.spaces) {
    auto r = restore_snapshot(repo, b.snapshot, restore_options(options, dest, t->location), progress);
    if (!r.integrity_errors.empty()) throw incomplete("tablespace " + t->name + " into " + dest, r.integrity_errors);
    total.files += r.files;
    total.bytes += r.bytes;
  }
}

// backup_label, and tablespace_map where the server recreates pg_tblspc/<oid>
// links at its first start; owned like the data directory.
void write_backup_files(const std::string& pgdata, const PgBackup& b, const TablespacePlan& plan,
                        const struct stat& owner) {
  ::chmod(pgdata.c_str(), 0700);
  replace_file(pgdata + "/backup_label", b.backup_label, Durability::synced, &owner);
  if (!plan.map_text.empty()) replace_file(pgdata + "/tablespace_map", plan.map_text, Durability::synced, &owner);
  else if (!b.tablespace_map.empty()) replace_file(pgdata + "/tablespace_map", b.tablespace_map, Durability::synced, &owner);
}

std::vector<std::string> recovery_settings(const PgRestoreOptions& options) {
  std::vector<std::string> s;
  s.push_back("restore_command = " + conf_quote(options.restore_command));
  switch (options.target.kind) {
    case TargetKind::latest: break;
    case TargetKind::time: s.push_back("recovery_target_time = " + conf_quote(pg_timestamp(options.target.time_ns))); break;
    case TargetKind::lsn: s.push_back("recovery_target_lsn = " + conf_quote(format_lsn(options.target.lsn))); break;
    case TargetKind::xid: s.push_back("recovery_target_xid = " + conf_quote(options.target.text)); break;
    case TargetKind::name: s.push_back("recovery_target_name = " + conf_quote(options.target.text)); break;
    case TargetKind::immediate: s.push_back("recovery_target = 'immediate'"); break;
  }
  if (options.target.kind != TargetKind::latest) s.push_back("recovery_target_action = " + conf_quote(options.target_action));
  if (options.archive_off) s.push_back("archive_mode = 'off'");
  std::string timeline = options.target_timeline;
  if (timeline.empty()) timeline = options.target.kind == TargetKind::latest ? "latest" : "current";
  s.push_back("recovery_target_timeline = " + conf_quote(timeline));
  return s;
}

std::string start_hint(const PgRestoreOptions& options, const std::string& pgdata, const struct stat& owner) {
  std::string action_text;
  if (options.target.kind == TargetKind::latest)
    action_text = "it replays every archived WAL segment, then opens for writes on a new timeline";
  else if (options.target_action == "promote")
    action_text = "it replays WAL up to the target, then opens for writes on a new timeline";
  else if (options.target_action == "pause")
    action_text = "it replays WAL up to the target and pauses read-only: check the data, then run "
                  "SELECT pg_wal_replay_resume(); to open it for writes";
  else
    action_text = "it replays WAL up to the target and shuts down; remove recovery.signal only if you mean to open it";
  return "start it as the owner of " + pgdata + " (uid " + std::to_string(owner.st_uid) + "): pg_ctl -D " + pgdata +
         " -l LOGFILE start — " + action_text;
}

}  // namespace

PgRestoreResult run_pg_restore(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                               const PgRestoreOptions& options, ProgressCounters& progress) {
  repo::RecordStore records(repo);
  const StanzaRecord stanza = load_stanza(records, options.stanza, repo.backend().location());
  const std::string pgdata = checked_pgdata(options);
  const std::vector<PgBackup> backups = list_backups(snaps, options.stanza);
  WalArchive archive(repo, stanza);
  const RecoverableWindow window = recoverable_window(backups, archive.list());
  const PgBackup& b = choose_backup(backups, window, options.target, options.set);
  require_backup_wal(b, archive, stanza.wal_segment_size);
  const TablespacePlan plan = plan_tablespaces(b, options);
  options.cancel.throw_if_cancelled();

  std::error_code ec;
  fs::create_directories(pgdata, ec);
  if (ec) throw io_error("creating " + pgdata, ec.value());
  if (options.delta) remove_extraneous(repo, b, pgdata);
  PgRestoreResult result;
  result.backup = b;
  RestoreOptions ro = restore_options(options, pgdata, b.pgdata);
  result.left_out = leave_out_databases(b, options, ro);
  result.files = restore_snapshot(repo, b.snapshot, ro, progress);
  if (!result.files.integrity_errors.empty()) throw incomplete(pgdata, result.files.integrity_errors);
  restore_tablespaces(repo, b, plan, options, progress, result.files);

  struct stat owner {};
  if (::stat(pgdata.c_str(), &owner) != 0) throw io_error("inspecting " + pgdata, errno);
  write_backup_files(pgdata, b, plan, owner);
  result.settings = recovery_settings(options);
  write_recovery_settings(pgdata, result.settings, owner);
  replace_file(pgdata + "/recovery.signal", "", Durability::synced, &owner);
  result.start_hint = start_hint(options, pgdata, owner);
  return result;
}

}  // namespace strata::source::postgres
