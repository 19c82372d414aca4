// Records: write-once sealed objects that an application source names itself,
// stored under records/<name> — an archived PostgreSQL WAL segment, the
// description of a stanza. Unlike blobs they are found by name without any
// index, which is what a `restore_command` fetching one segment needs; unlike
// snapshots they are never rewritten: a second put of the same name succeeds only
// with identical content. The repository does not interpret their content.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "repo/repository.h"

namespace strata::repo {

enum class RecordPut {
  stored,     // the record is new and durable
  identical,  // a record with exactly this content was already there
};

struct RecordInfo {
  std::string name;          // relative to records/, e.g. "pg/main/wal/0000000100000000/…"
  uint64_t stored_size = 0;  // sealed bytes in the repository
  int64_t stored_ns = 0;     // when it was stored (0 if the backend cannot tell)
};

class RecordStore {
 public:
  explicit RecordStore(Repository& repo) : repo_(repo) {}

  // Seals `plaintext` (zstd at `level` when that makes it smaller, AES-256-GCM
  // with the record's name in the associated data, so two records cannot be
  // swapped) and stores it unless the name is taken. A taken name with the
  // same content returns `identical`; with different content (or an existing
  // record that fails authentication) throws Error(conflict) and changes nothing.
  RecordPut put(const std::string& name, ByteView plaintext, int level = 3);
  // The plaintext, or nullopt if there is no such record. Error(integrity) naming
  // the object when it fails authentication; Error(io) when unreadable.
  // With `sealed`, also hands back the stored bytes (a raw copy elsewhere).
  std::optional<Bytes> get(const std::string& name, Bytes* sealed = nullptr);
  // Whether a record of that name is stored (no content is read).
  bool exists(const std::string& name);
  // Records whose name starts with `prefix` + "/", in name order.
  std::vector<RecordInfo> list(const std::string& prefix);
  void remove(const std::string& name);

  // "records/" + name, after checking that every component of `name` is made of
  // [A-Za-z0-9._-] and is not "." or ".." (Error(usage) otherwise).
  static std::string object_name(const std::string& name);

 private:
  Bytes seal(const std::string& name, ByteView plaintext, int level) const;
  bool open(const std::string& name, ByteView sealed, Bytes& out) const;
  Repository& repo_;
};

}  // namespace strata::repo
