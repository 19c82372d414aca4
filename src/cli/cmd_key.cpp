// `strata key list|add|remove|passwd`: manage the key slots wrapping the master key.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/number_option.h"
#include "config/ranges.h"
#include "cli/key_file_io.h"
#include "common/error.h"
#include "crypto/hash.h"
#include "repo/lock.h"

namespace strata::cli {

namespace {

// Secret for a new slot: a passphrase file, or a key file (generated if missing).
crypto::Secret new_secret(const std::string& password_file, const std::string& key_file) {
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
  if (stat(key_file.c_str(), &st) == 0) {
    s.key_file_bytes = read_key_file(key_file);
  } else {
    std::string contents = crypto::generate_key_file();
    write_new_key_file(key_file, contents);
    s.key_file_bytes = crypto::parse_key_file(contents);
  }
  return s;
}

std::string add_slot(repo::Repository& repo, const crypto::Secret& secret, const std::string& label,
                     const crypto::Argon2Params& kdf) {
  std::string text = crypto::make_slot(repo.master_key(), secret, make_slot_info(label), kdf);
  std::string id = to_hex(crypto::sha256(as_bytes(text)));
  repo.backend().put("keys/" + id, as_bytes(text));
  return id;
}

struct KeyArgs {
  std::string new_password_file, new_key_file, label, remove_id;
  uint32_t kdf_memory = 64 * 1024, kdf_time = 3;
};

void add_kdf_options(CLI::App& cmd, KeyArgs& a) {
  add_whole_option(cmd, "--kdf-memory", a.kdf_memory, config::kKdfMemoryKib, "Argon2id memory in KiB (default 65536)");
  add_whole_option(cmd, "--kdf-time", a.kdf_time, config::kKdfTime, "Argon2id iterations (default 3)");
}

}  // namespace

void register_key(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<KeyArgs>();
  auto* key = app.add_subcommand("key", "manage key slots");
  key->require_subcommand(1);

  auto* list = key->add_subcommand("list", "list key slots");
  mark_reading(*list);
  list->callback([&g, &exit_code] {
    apply_environment(g);
    auto repo = open_repository(g);
    nlohmann::json arr = nlohmann::json::array();
    if (!g.json) std::printf("   %-12s  %-10s  %-20s  %-12s  %-16s  %s\n", "ID", "Kind", "Label", "User", "Host", "Created");
    for (const auto& o : repo->backend().list("keys")) {
      std::string id = o.name.substr(5);
      crypto::SlotInfo info;
      try {
        info = crypto::describe_slot(to_string(repo->backend().get(o.name)));
      } catch (const Error& e) {
        info.kind = "malformed";
        info.label = e.what();
      }
      bool current = id == repo->slot_id();
      if (g.json) {
        arr.push_back({{"id", id}, {"kind", info.kind}, {"label", info.label}, {"user", info.user},
                       {"host", info.host}, {"created", info.created}, {"current", current}});
      } else {
        std::printf("%s  %-12s  %-10s  %-20s  %-12s  %-16s  %s\n", current ? "*" : " ", id.substr(0, 12).c_str(),
                    info.kind.c_str(), info.label.c_str(), info.user.c_str(), info.host.c_str(), info.created.c_str());
      }
    }
    if (g.json) std::printf("%s\n", arr.dump().c_str());
    exit_code = 0;
  });

  auto* add = key->add_subcommand("add", "add a key slot (new passphrase or key file)");
  add->add_option("--new-password-file", a->new_password_file, "file with the new passphrase");
  add->add_option("--new-key-file", a->new_key_file, "key file to add (generated if it does not exist)");
  add->add_option("--label", a->label, "label for the slot");
  add_kdf_options(*add, *a);
  add->callback([&g, &exit_code, a] {
    apply_environment(g);
    auto repo = open_repository(g);
    repo::require_writable(*repo, "key add", "keys");
    crypto::Secret s = new_secret(a->new_password_file, a->new_key_file);
    crypto::Argon2Params kdf;
    kdf.memory_kib = a->kdf_memory;
    kdf.time_cost = a->kdf_time;
    std::string id = add_slot(*repo, s, a->label, kdf);
    say(g, "added key slot " + id.substr(0, 12));
    exit_code = 0;
  });

  auto* remove = key->add_subcommand("remove", "remove a key slot");
  remove->add_option("id", a->remove_id, "slot id or unique prefix")->required();
  remove->callback([&g, &exit_code, a] {
    apply_environment(g);
    auto repo = open_repository(g);
    repo::require_writable(*repo, "key remove", "keys");
    auto slots = repo->backend().list("keys");
    std::string match;
    for (const auto& o : slots) {
      std::string id = o.name.substr(5);
      if (id.compare(0, a->remove_id.size(), a->remove_id) == 0) {
        if (!match.empty()) throw Error(ExitCode::usage, "key slot prefix '" + a->remove_id + "' is ambiguous");
        match = id;
      }
    }
    if (match.empty() || a->remove_id.empty()) throw Error(ExitCode::not_found, "key slot '" + a->remove_id + "' not found");
    if (match == repo->slot_id())
      throw Error(ExitCode::usage, "refusing to remove the key slot in use; open the repository with another key");
    if (slots.size() <= 1) throw Error(ExitCode::usage, "refusing to remove the last key slot");
    repo->backend().remove("keys/" + match);
    say(g, "removed key slot " + match.substr(0, 12));
    exit_code = 0;
  });

  auto* passwd = key->add_subcommand("passwd", "replace the key slot in use with a new passphrase");
  passwd->add_option("--new-password-file", a->new_password_file, "file with the new passphrase")->required();
  add_kdf_options(*passwd, *a);
  passwd->callback([&g, &exit_code, a] {
    apply_environment(g);
    auto repo = open_repository(g);
    repo::require_writable(*repo, "key passwd", "keys");
    if (crypto::describe_slot(to_string(repo->backend().get("keys/" + repo->slot_id()))).kind != "passphrase")
      throw Error(ExitCode::usage,
                  "key passwd replaces the passphrase slot in use, but this repository was opened with a key "
                  "file; use 'strata key add --new-password-file' instead");
    crypto::Secret s = new_secret(a->new_password_file, "");
    crypto::Argon2Params kdf;
    kdf.memory_kib = a->kdf_memory;
    kdf.time_cost = a->kdf_time;
    // New slot first, then remove the old one: a crash in between leaves both usable.
    std::string id = add_slot(*repo, s, "passphrase", kdf);
    repo->backend().remove("keys/" + repo->slot_id());
    say(g, "passphrase changed (new key slot " + id.substr(0, 12) + ")");
    exit_code = 0;
  });
}

}  // namespace strata::cli
