// `strata ls SNAP [PATH]`: list the entries of a snapshot.
#include <cstdio>

#include "app/browse.h"
#include "cli/commands.h"
#include "cli/json_views.h"
#include "common/time_util.h"

namespace strata::cli {

static std::string mode_string(const repo::Node& n) {
  const char* types = "-dlpcbs";
  std::string s(1, types[static_cast<int>(n.type)]);
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (n.mode & (0400 >> i)) ? rwx[i] : '-';
  return s;
}

void register_ls(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto snap_ref = std::make_shared<std::string>();
  auto path = std::make_shared<std::string>("/");
  auto* cmd = app.add_subcommand("ls", "list files in a snapshot");
  mark_reading(*cmd);
  cmd->add_option("snapshot", *snap_ref, "snapshot id, prefix or 'latest'")->required();
  cmd->add_option("path", *path, "only below this path");
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  cmd->callback([&g, &exit_code, snap_ref, path, latest_readable] {
    apply_environment(g);
    auto print = [&](const std::string& p, const repo::Node& n) {
      if (g.json) {
        std::printf("%s\n", dump_json(node_json(p, n)).c_str());
        return;
      }
      std::string line = mode_string(n) + " " + std::to_string(n.uid) + "/" + std::to_string(n.gid) + " ";
      char size[24];
      std::snprintf(size, sizeof size, "%12llu", static_cast<unsigned long long>(n.size));
      line += std::string(size) + " " + format_short(n.mtime_ns) + " " + p;
      if (n.type == repo::NodeType::symlink) line += " -> " + n.link_target;
      std::printf("%s\n", line.c_str());
    };
    app::list_files({repository_access(g), *snap_ref, latest_rule(*latest_readable)}, *path, print, job(g));
    exit_code = 0;
  });
}

}  // namespace strata::cli
