// Stanza verification (see verify.h).
#include "source/postgres/verify.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/thread_pool.h"
#include "repo/tree_walk.h"
#include "source/postgres/backup_catalog.h"
#include "source/postgres/wal_archive.h"
#include "source/postgres/wal_header.h"

namespace strata::source::postgres {

namespace {

void verify_backup_tree(repo::Repository& repo, const PgBackup& b, bool read_data, VerifyReport& report) {
  const std::string name = "backup " + b.snapshot.id.substr(0, 8);
  std::set<repo::BlobId> blobs;
  repo::walk_tree(
      repo, b.snapshot.tree,
      [&](const std::string& path, const repo::Node& n) {
        for (const auto& id : n.content) {
          if (!repo.index().has(id)) {
            report.problems.push_back(name + ": " + path + ": data blob " + to_hex(id).substr(0, 16) +
                                      " is not in the repository");
            break;
          }
          if (read_data) blobs.insert(id);
        }
        return true;
      },
      [&](const std::string& path, const Error& e) {
        report.problems.push_back(name + ": directory " + (path.empty() ? "/" : path) + " unreadable: " + e.what());
      });
  for (const auto& id : blobs) {
    try {
      repo.load_blob(id, repo::BlobType::data);
      ++report.blobs_read;
    } catch (const Error& e) {
      report.problems.push_back(name + ": " + e.what());
    }
  }
}

}  // namespace

VerifyReport verify_stanza(repo::Repository& repo, const std::vector<repo::Snapshot>& snaps,
                           const StanzaRecord& stanza, bool read_data, unsigned threads, ProgressCounters& progress) {
  VerifyReport report;
  WalArchive archive(repo, stanza);
  const auto files = archive.list();
  const uint64_t seg = stanza.wal_segment_size;
  progress.files_total = files.size();
  progress.totals_known = true;

  // 1. Every WAL file authenticates; segments carry this cluster's header.
  std::mutex mu;
  {
    ThreadPool pool(threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
    for (const auto& f : files) {
      pool.submit([&, f] {
        std::string problem;
        uint64_t bytes = 0;
        try {
          auto data = archive.get(f.file.name);
          if (!data) problem = f.file.name + ": vanished while being verified";
          else {
            bytes = data->size();
            if (f.file.kind == WalFileKind::segment) {
              std::string why = check_wal_segment(f.file, *data, {stanza.system_id, seg, stanza.server_version_num});
              if (!why.empty()) problem = "WAL segment " + f.file.name + " " + why;
            }
          }
        } catch (const Error& e) {
          problem = std::string("WAL file ") + f.file.name + ": " + e.what();
        }
        std::lock_guard lock(mu);
        ++report.wal_files;
        report.wal_bytes += bytes;
        progress.files_done++;
        progress.bytes_done += bytes;
        if (!problem.empty()) report.problems.push_back(problem);
      });
    }
    pool.wait_idle();
  }

  // 2. Timelines: history files for every timeline after the first.
  std::set<uint32_t> timelines, histories;
  for (const auto& f : files) {
    if (f.file.kind == WalFileKind::history) histories.insert(f.file.timeline);
    else timelines.insert(f.file.timeline);
  }
  for (uint32_t tli : timelines)
    if (tli > 1 && !histories.count(tli))
      report.problems.push_back("timeline " + std::to_string(tli) + " has WAL but no history file " +
                                segment_file_name(tli, 0, seg).substr(0, 8) + ".history");

  // 3. Continuity: from the oldest backup's start, each timeline's segments have no gaps.
  const auto backups = list_backups(snaps, stanza.name);
  report.backups = backups.size();
  uint64_t from = UINT64_MAX;
  for (const auto& b : backups) from = std::min(from, segment_number(b.start_lsn, seg));
  const auto ranges = archive.segment_ranges(files);  // per timeline, oldest first
  for (size_t i = 1; i < ranges.size(); ++i) {
    const auto &before = ranges[i - 1], &after = ranges[i];
    if (before.timeline == after.timeline && after.first_segno > from)
      report.problems.push_back("WAL gap on timeline " + std::to_string(after.timeline) + ": " +
                                segment_file_name(after.timeline, before.last_segno + 1, seg) + " .. " +
                                segment_file_name(after.timeline, after.first_segno - 1, seg) +
                                " missing (no recovery can pass this gap)");
  }

  // 4. Backups: their WAL, their trees.
  for (const auto& b : backups) {
    auto missing = archive.missing_segments(b.timeline, segment_number(b.start_lsn, seg), segment_number(b.stop_lsn - 1, seg));
    for (const auto& m : missing)
      report.problems.push_back("backup " + b.snapshot.id.substr(0, 8) + " needs WAL segment " + m +
                                ", which is not archived");
    verify_backup_tree(repo, b, read_data, report);
  }
  return report;
}

}  // namespace strata::source::postgres
