// Key slots as use cases: list, add, remove, change the passphrase. Each slot
// wraps the repository's master key under one passphrase or key file
// (docs/repository-format.md §key slots); removing the slot in use or the last
// slot is refused, so no mistake here locks the operator out.
#pragma once
#include <string>
#include <vector>

#include "crypto/key_slot.h"
#include "repo/repository.h"

namespace strata::app {

struct KeySlotRow {
  std::string id;  // full slot id (hex)
  crypto::SlotInfo info;  // kind "malformed" with the reason as label for an unreadable slot
  bool current = false;   // the slot that opened the repository
};

std::vector<KeySlotRow> list_key_slots(repo::Repository& repo);

// Adds a slot for exactly one of a passphrase file or a key file (a key file that
// does not exist yet is generated, mode 0600); returns its id. Refuses a read-only
// repository before anything is created; Error(usage) for neither or both files.
std::string add_key_slot(repo::Repository& repo, const std::string& password_file, const std::string& key_file,
                         const std::string& label, const crypto::Argon2Params& kdf, int64_t now_ns);

// Removes the slot whose id starts with `prefix`; returns its id. Error(not_found),
// Error(usage) for an ambiguous prefix, the slot in use or the last slot.
std::string remove_key_slot(repo::Repository& repo, const std::string& prefix);

// Replaces the passphrase slot in use by a new one (new slot first, then the old
// one removed: a crash in between leaves both usable); returns the new id.
// Error(usage) if the repository was opened with a key file.
std::string change_passphrase(repo::Repository& repo, const std::string& password_file,
                              const crypto::Argon2Params& kdf, int64_t now_ns);

}  // namespace strata::app
