// `strata init`: create a repository with its first key slot.
#include "cli/number_option.h"
#include "cli/commands.h"
#include "app/init.h"
#include "config/ranges.h"

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
    app::InitRequest request;
    request.access = repository_access(g);
    request.options.compression_level = args->compression_level;
    request.options.pack_size = args->pack_size_mib * 1024 * 1024;
    request.options.chunker = {args->chunk_min, args->chunk_avg, args->chunk_max};
    request.options.kdf.memory_kib = args->kdf_memory;
    request.options.kdf.time_cost = args->kdf_time;
    request.generate_key_file = args->generate_key_file;
    if (!args->copy_master_from.empty())
      request.share_master_of =
          app::with_location(request.access, args->copy_master_from, args->from_key_file, args->from_password_file);
    auto created = app::init_repository(request, job(g));
    if (created.created_bucket) say(g, "created bucket for " + created.location);
    say(g, "created repository at " + created.location);
    if (!args->generate_key_file.empty())
      say(g, "key file written to " + args->generate_key_file +
                 " — keep a copy somewhere safe: without it the repository cannot be read");
    exit_code = 0;
  });
}

}  // namespace strata::cli
