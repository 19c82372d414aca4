// Small local files the PostgreSQL commands write next to a cluster or in a
// spool (a fetched WAL segment, backup_label, recovery settings, async status):
// always replaced whole, so that a reader or a crash never sees half of one.
#pragma once
#include <sys/stat.h>

#include <string>

#include "common/bytes.h"

namespace strata::source::postgres {

enum class Durability { rename_only, synced };

// Writes `data` to a temporary file beside `path` (mode 0600; owned like
// `owner` when given and running as root) and renames it over `path`; with
// Durability::synced the file and its directory are fsynced too. Error(io)
// naming the file; the temporary is removed on failure.
void replace_file(const std::string& path, ByteView data, Durability durability,
                  const struct stat* owner = nullptr);

inline void replace_file(const std::string& path, const std::string& text, Durability durability,
                         const struct stat* owner = nullptr) {
  replace_file(path, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()), durability, owner);
}

}  // namespace strata::source::postgres
