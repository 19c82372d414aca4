// `strata copy`: snapshots and every blob they need from one repository to
// another (a second region, another store), raw when both share the master key,
// re-encrypted otherwise; idempotent (copies carry the original snapshot id).
#include <cstdio>

#include "cli/commands.h"
#include "app/copy.h"

namespace strata::cli {
namespace {

struct CopyArgs {
  std::string from, from_key_file, from_password_file;
  std::string to, to_key_file, to_password_file;
  std::vector<std::string> snapshots;
  bool all = false;
  std::string dataset, host;
};

}  // namespace

void register_copy(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto a = std::make_shared<CopyArgs>();
  auto* cmd = app.add_subcommand("copy", "copy snapshots and the data they need to another repository");
  cmd->add_option("--from", a->from, "source repository")->required();
  cmd->add_option("--from-key-file", a->from_key_file, "key file of the source (default: --key-file)");
  cmd->add_option("--from-password-file", a->from_password_file, "passphrase file of the source (default: --password-file)");
  cmd->add_option("--to", a->to, "destination repository (default: --repo / STRATA_REPOSITORY)");
  cmd->add_option("--to-key-file", a->to_key_file, "key file of the destination (default: --key-file)");
  cmd->add_option("--to-password-file", a->to_password_file, "passphrase file of the destination (default: --password-file)");
  cmd->add_option("snapshots", a->snapshots, "snapshots to copy (ids, prefixes or 'latest')");
  cmd->add_flag("--all", a->all, "copy every snapshot (after the filters)");
  cmd->add_option("--dataset", a->dataset, "only snapshots of this dataset");
  cmd->add_option("--host", a->host, "only snapshots of this host");
  cmd->callback([&g, &exit_code, a] {
    apply_environment(g);
    app::CopyRequest request;
    const auto access = repository_access(g);
    request.from = app::with_location(access, a->from, a->from_key_file, a->from_password_file);
    request.to = app::with_location(access, a->to.empty() ? g.repo : a->to, a->to_key_file, a->to_password_file);
    request.snapshots = a->snapshots;
    request.all = a->all;
    request.dataset = a->dataset;
    request.host = a->host;
    request.log = [&g](const std::string& line) { say(g, line); };
    auto r = app::copy(request, job(g));
    if (g.json) {
      std::printf("{\"raw\":%s,\"snapshots_copied\":%llu,\"snapshots_present\":%llu,\"packs_copied\":%llu,"
                  "\"blobs_copied\":%llu,\"bytes_copied\":%llu}\n",
                  r.raw ? "true" : "false", static_cast<unsigned long long>(r.snapshots_copied),
                  static_cast<unsigned long long>(r.snapshots_present),
                  static_cast<unsigned long long>(r.packs_copied), static_cast<unsigned long long>(r.blobs_copied),
                  static_cast<unsigned long long>(r.bytes_copied));
    } else {
      say(g, std::to_string(r.snapshots_copied) + " snapshot(s) copied, " + std::to_string(r.snapshots_present) +
                 " already present; " + std::to_string(r.blobs_copied) + " blob(s), " +
                 std::to_string(r.bytes_copied) + " bytes " +
                 (r.raw ? "in " + std::to_string(r.packs_copied) + " pack(s) copied as stored (shared master key)"
                        : "re-encrypted for the destination"));
    }
    exit_code = 0;
  });
}

}  // namespace strata::cli
