// `strata dump SNAP PATH`: write one file of a snapshot to stdout.
#include <unistd.h>

#include "cli/commands.h"
#include "common/error.h"
#include "repo/snapshot.h"
#include "repo/tree_walk.h"
#include "source/fs_restore.h"

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
    auto repo = open_repository(g);
    repo->load_index();
    auto snaps = app::load_snapshot_list_logged(*repo);
    const auto& snap = repo::resolve_snapshot(snaps, *snap_ref, latest_rule(*latest_readable));
    auto node = repo::find_node(*repo, snap.tree, *path);
    if (!node) throw Error(ExitCode::not_found, "path " + *path + " not found in snapshot " + snap.id.substr(0, 8));
    if (node->type != repo::NodeType::file)
      throw Error(ExitCode::usage, "path " + *path + " is a " + repo::node_type_name(node->type) + ", not a file");
    source::write_file_content(*repo, *node, STDOUT_FILENO);
    exit_code = 0;
  });
}

}  // namespace strata::cli
