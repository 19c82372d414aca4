// Key slot management (see keys.h).
#include "app/keys.h"

#include <sys/stat.h>

#include "app/key_file_io.h"
#include "app/repository_access.h"
#include "common/error.h"
#include "crypto/hash.h"
#include "repo/lock.h"

namespace strata::app {

std::vector<KeySlotRow> list_key_slots(repo::Repository& repo) {
  std::vector<KeySlotRow> rows;
  for (const auto& o : repo.backend().list("keys")) {
    KeySlotRow row;
    row.id = o.name.substr(5);
    try {
      row.info = crypto::describe_slot(to_string(repo.backend().get(o.name)));
    } catch (const Error& e) {
      row.info.kind = "malformed";
      row.info.label = e.what();
    }
    row.current = row.id == repo.slot_id();
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

// The secret of a new slot: exactly one of a passphrase file or a key file.
crypto::Secret new_slot_secret(const std::string& password_file, const std::string& key_file) {
  crypto::Secret s;
  if (!password_file.empty() == !key_file.empty())
    throw Error(ExitCode::usage, "give exactly one of --new-password-file or --new-key-file");
  if (!password_file.empty()) {
    s.kind = crypto::Secret::Kind::passphrase;
    s.passphrase = read_passphrase_file(password_file);
    if (s.passphrase.empty()) throw Error(ExitCode::usage, "password file " + password_file + " is empty");
    return s;
  }
  s.kind = crypto::Secret::Kind::key_file;
  struct stat st;
  if (::stat(key_file.c_str(), &st) == 0) {
    s.key_file_bytes = read_key_file(key_file);
  } else {
    std::string contents = crypto::generate_key_file();
    write_new_key_file(key_file, contents);
    s.key_file_bytes = crypto::parse_key_file(contents);
  }
  return s;
}

std::string put_slot(repo::Repository& repo, const crypto::Secret& secret, const std::string& label,
                     const crypto::Argon2Params& kdf, int64_t now_ns) {
  std::string text = crypto::make_slot(repo.master_key(), secret, make_slot_info(label, now_ns), kdf);
  std::string id = to_hex(crypto::sha256(as_bytes(text)));
  repo.backend().put("keys/" + id, as_bytes(text));
  return id;
}

}  // namespace

std::string add_key_slot(repo::Repository& repo, const std::string& password_file, const std::string& key_file,
                         const std::string& label, const crypto::Argon2Params& kdf, int64_t now_ns) {
  repo::require_writable(repo, "key add", "keys");
  return put_slot(repo, new_slot_secret(password_file, key_file), label, kdf, now_ns);
}

std::string remove_key_slot(repo::Repository& repo, const std::string& prefix) {
  repo::require_writable(repo, "key remove", "keys");
  auto slots = repo.backend().list("keys");
  std::string match;
  for (const auto& o : slots) {
    std::string id = o.name.substr(5);
    if (id.compare(0, prefix.size(), prefix) != 0) continue;
    if (!match.empty()) throw Error(ExitCode::usage, "key slot prefix '" + prefix + "' is ambiguous");
    match = id;
  }
  if (match.empty() || prefix.empty()) throw Error(ExitCode::not_found, "key slot '" + prefix + "' not found");
  if (match == repo.slot_id())
    throw Error(ExitCode::usage, "refusing to remove the key slot in use; open the repository with another key");
  if (slots.size() <= 1) throw Error(ExitCode::usage, "refusing to remove the last key slot");
  repo.backend().remove("keys/" + match);
  return match;
}

std::string change_passphrase(repo::Repository& repo, const std::string& password_file,
                              const crypto::Argon2Params& kdf, int64_t now_ns) {
  repo::require_writable(repo, "key passwd", "keys");
  if (crypto::describe_slot(to_string(repo.backend().get("keys/" + repo.slot_id()))).kind != "passphrase")
    throw Error(ExitCode::usage,
                "key passwd replaces the passphrase slot in use, but this repository was opened with a key "
                "file; use 'strata key add --new-password-file' instead");
  // New slot first, then the old one removed: a crash in between leaves both usable.
  std::string id = put_slot(repo, new_slot_secret(password_file, ""), "passphrase", kdf, now_ns);
  repo.backend().remove("keys/" + repo.slot_id());
  return id;
}

}  // namespace strata::app
