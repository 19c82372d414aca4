// `strata dump SNAP PATH`: write one file of a snapshot to stdout.
#include <unistd.h>

#include "app/browse.h"
#include "cli/commands.h"

namespace strata::cli {

void register_dump(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto snap_ref = std::make_shared<std::string>();
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("dump", "write a file from a snapshot to standard output");
  mark_reading(*cmd);
  cmd->add_option("snapshot", *snap_ref, "snapshot id, prefix or 'latest'")->required();
  cmd->add_option("path", *path, "file path inside the snapshot")->required();
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  cmd->callback([&g, &exit_code, snap_ref, path, latest_readable] {
    apply_environment(g);
    app::dump_file({repository_access(g), *snap_ref, latest_rule(*latest_readable)}, *path, STDOUT_FILENO, job(g));
    exit_code = 0;
  });
}

}  // namespace strata::cli
