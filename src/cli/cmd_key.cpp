// `strata key list|add|remove|passwd`: manage the key slots wrapping the master key.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/number_option.h"
#include "config/ranges.h"
#include "app/keys.h"

namespace strata::cli {

namespace {

struct KeyArgs {
  std::string new_password_file, new_key_file, label, remove_id;
  uint32_t kdf_memory = 64 * 1024, kdf_time = 3;
};

crypto::Argon2Params kdf_of(const KeyArgs& a) {
  crypto::Argon2Params kdf;
  kdf.memory_kib = a.kdf_memory;
  kdf.time_cost = a.kdf_time;
  return kdf;
}

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
    for (const auto& [id, info, current] : app::list_key_slots(*repo)) {
      if (g.json)
        arr.push_back({{"id", id}, {"kind", info.kind}, {"label", info.label}, {"user", info.user},
                       {"host", info.host}, {"created", info.created}, {"current", current}});
      else
        std::printf("%s  %-12s  %-10s  %-20s  %-12s  %-16s  %s\n", current ? "*" : " ", id.substr(0, 12).c_str(),
                    info.kind.c_str(), info.label.c_str(), info.user.c_str(), info.host.c_str(), info.created.c_str());
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
    std::string id = app::add_key_slot(*repo, a->new_password_file, a->new_key_file, a->label, kdf_of(*a),
                                       job(g).now_ns());
    say(g, "added key slot " + id.substr(0, 12));
    exit_code = 0;
  });

  auto* remove = key->add_subcommand("remove", "remove a key slot");
  remove->add_option("id", a->remove_id, "slot id or unique prefix")->required();
  remove->callback([&g, &exit_code, a] {
    apply_environment(g);
    auto repo = open_repository(g);
    const std::string match = app::remove_key_slot(*repo, a->remove_id);
    say(g, "removed key slot " + match.substr(0, 12));
    exit_code = 0;
  });

  auto* passwd = key->add_subcommand("passwd", "replace the key slot in use with a new passphrase");
  passwd->add_option("--new-password-file", a->new_password_file, "file with the new passphrase")->required();
  add_kdf_options(*passwd, *a);
  passwd->callback([&g, &exit_code, a] {
    apply_environment(g);
    auto repo = open_repository(g);
    std::string id = app::change_passphrase(*repo, a->new_password_file, kdf_of(*a), job(g).now_ns());
    say(g, "passphrase changed (new key slot " + id.substr(0, 12) + ")");
    exit_code = 0;
  });
}

}  // namespace strata::cli
