// Snapshots: the root of one backup — when, where, what (paths, tags, dataset), the
// root tree, the parent it was made against, and a summary of the work done.
// Stored as sealed JSON objects under snapshots/, named by the hash of their bytes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "repo/blob.h"

namespace strata::repo {

class Repository;

struct SnapshotSummary {
  uint64_t files_new = 0, files_changed = 0, files_unchanged = 0;
  uint64_t dirs_new = 0, dirs_changed = 0, dirs_unchanged = 0;
  uint64_t files_failed = 0;
  uint64_t bytes_read = 0;      // source bytes read and chunked
  uint64_t bytes_total = 0;     // logical size of all files in the snapshot
  uint64_t bytes_added = 0;     // plaintext of new blobs
  uint64_t bytes_stored = 0;    // pack bytes written (compressed + encrypted)
  uint64_t blobs_added = 0;
  double duration_seconds = 0;
};

struct Snapshot {
  std::string id;  // hex; set when loaded or saved
  int64_t time_ns = 0;
  std::string host, username;
  uint32_t uid = 0, gid = 0;
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  std::string dataset = "default";
  std::string parent;  // hex id or empty
  BlobId tree{};
  SnapshotSummary summary;
  std::string program;
  // What an application source records about this backup (e.g. a PostgreSQL
  // backup's type, LSNs and backup label), as the text of a JSON object; empty
  // for plain file backups. The repository stores it and never interprets it.
  std::string source_json;
  // For a copy made by `strata copy`: the id of the snapshot it was first made
  // as (in the repository where the backup ran); empty otherwise.
  std::string original;

  std::string to_json_text() const;  // the stored plaintext
  static Snapshot from_json_text(const std::string& text, const std::string& id);
  bool has_tag(const std::string& t) const;
};

// Saves a snapshot (after flushing the repository's packs and index) and returns its id.
std::string save_snapshot(Repository& repo, Snapshot& snap);
// Loads every snapshot, oldest first. Unreadable ones throw Error(integrity) unless
// `problems` is given (then they are reported there and skipped).
std::vector<Snapshot> load_snapshots(Repository& repo, std::vector<std::string>* problems = nullptr);
// Resolves "latest", a full id or a unique prefix (>= 4 hex digits) among `snaps`.
// Throws Error(not_found) naming the reference.
const Snapshot& find_snapshot(const std::vector<Snapshot>& snaps, const std::string& ref);

// A snapshot object that is listed but cannot be opened or parsed.
struct UnreadableSnapshot {
  std::string id;       // the object's name (full id)
  std::string problem;  // the Error(integrity) text
};

// Every snapshot object of a repository: those that could be read (oldest first)
// and those that could not.
struct SnapshotList {
  std::vector<Snapshot> readable;
  std::vector<UnreadableSnapshot> unreadable;
};
SnapshotList load_snapshot_list(Repository& repo);

// How "latest" treats unreadable snapshots: `strict` refuses to guess (an unreadable
// snapshot may be the newest: its time is sealed inside it), `newest_readable` is the
// operator's explicit choice of the newest one that can be read.
enum class LatestRule { strict, newest_readable };

// Resolves a reference over every snapshot name, readable or not. "latest" with any
// unreadable snapshot present (strict) and a prefix that names an unreadable
// snapshot throw Error(integrity) naming it; otherwise as find_snapshot.
const Snapshot& resolve_snapshot(const SnapshotList& list, const std::string& ref,
                                 LatestRule rule = LatestRule::strict);

}  // namespace strata::repo
