// `strata init`: create a repository with its first key slot.
#include <fcntl.h>
#include <unistd.h>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "cli/key_file_io.h"
#include "common/error.h"
#include "config/ranges.h"
#include "common/time_util.h"
#include "source/fs_backup.h"
#include "storage/backend.h"

namespace strata::cli {

namespace {

struct InitArgs {
  std::string generate_key_file;
  std::string copy_master_from, from_key_file, from_password_file;
  int compression_level = 3;
  uint32_t pack_size_mib = 16;
  uint32_t chunk_min = 512 * 1024, chunk_avg = 1024 * 1024, chunk_max = 8 * 1024 * 1024;
  uint32_t kdf_memory = 64 * 1024, kdf_time = 3;
};

}  // namespace

void register_init(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto args = std::make_shared<InitArgs>();
  auto* cmd = app.add_subcommand("init", "create a new repository");
  cmd->add_option("--generate-key-file", args->generate_key_file,
                  "write a new key file (mode 0600) and use it for the first key slot");
  add_whole_option(*cmd, "--compression-level", args->compression_level, config::kCompressionLevel,
                   "zstd level, 0 = off (default 3)");
  add_whole_option(*cmd, "--pack-size", args->pack_size_mib, config::kPackSizeMib, "target pack size in MiB (default 16)");
  add_whole_option(*cmd, "--chunk-min", args->chunk_min, config::kChunkSizeBytes,
                   "minimum chunk size in bytes (default 524288)");
  add_whole_option(*cmd, "--chunk-avg", args->chunk_avg, config::kChunkSizeBytes,
                   "average chunk size in bytes, a power of two (default 1048576)");
  add_whole_option(*cmd, "--chunk-max", args->chunk_max, config::kChunkSizeBytes,
                   "maximum chunk size in bytes (default 8388608)");
  add_whole_option(*cmd, "--kdf-memory", args->kdf_memory, config::kKdfMemoryKib,
                   "Argon2id memory in KiB for passphrase slots (default 65536)");
  add_whole_option(*cmd, "--kdf-time", args->kdf_time, config::kKdfTime,
                   "Argon2id iterations for passphrase slots (default 3)");
  cmd->add_option("--copy-master-from", args->copy_master_from,
                  "share the master key and chunker of this repository, so 'strata copy' moves packs as stored");
  cmd->add_option("--from-key-file", args->from_key_file, "key file of --copy-master-from (default: --key-file)");
  cmd->add_option("--from-password-file", args->from_password_file,
                  "passphrase file of --copy-master-from (default: --password-file)");
  cmd->callback([&g, &exit_code, args] {
    apply_environment(g);
    if (g.repo.empty()) throw Error(ExitCode::usage, "no repository given: use --repo or STRATA_REPOSITORY");
    auto backend = storage::open_backend(g.repo);
    if (backend->create_root()) say(g, "created bucket for " + backend->location());
    if (backend->stat("config"))
      throw Error(ExitCode::repo_exists, "a repository already exists at " + backend->location());
    repo::InitOptions opts;
    opts.compression_level = args->compression_level;
    opts.pack_size = args->pack_size_mib * 1024 * 1024;
    opts.chunker = {args->chunk_min, args->chunk_avg, args->chunk_max};
    opts.kdf.memory_kib = args->kdf_memory;
    opts.kdf.time_cost = args->kdf_time;
    if (!args->copy_master_from.empty()) {
      auto other = open_repository(with_repository(g, args->copy_master_from, args->from_key_file,
                                                   args->from_password_file));
      opts.master = other->master_key();
      opts.chunker = other->config().chunker;
      opts.format_version = other->config().version;
    }
    crypto::Secret secret;
    std::string label = "first key";
    bool generated = false;
    if (!args->generate_key_file.empty()) {
      std::string contents = crypto::generate_key_file();
      secret.kind = crypto::Secret::Kind::key_file;
      secret.key_file_bytes = crypto::parse_key_file(contents);
      write_new_key_file(args->generate_key_file, contents);
      generated = true;
    } else {
      secret = load_secret(g);
    }
    try {
      repo::Repository::init(*backend, secret, opts, make_slot_info(label));
    } catch (...) {
      if (generated) unlink(args->generate_key_file.c_str());
      throw;
    }
    say(g, "created repository at " + backend->location());
    if (generated)
      say(g, "key file written to " + args->generate_key_file +
                 " — keep a copy somewhere safe: without it the repository cannot be read");
    exit_code = 0;
  });
}

}  // namespace strata::cli
