// `strata diff SNAP1 SNAP2`: what was added, removed or changed between snapshots.
#include <cstdio>

#include "app/browse.h"
#include "cli/commands.h"
#include "cli/json_views.h"

namespace strata::cli {

void register_diff(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto refs = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("diff", "show differences between two snapshots");
  mark_reading(*cmd);
  cmd->add_option("snapshots", *refs, "two snapshot ids")->required()->expected(2);
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  cmd->callback([&g, &exit_code, refs, latest_readable] {
    apply_environment(g);
    auto counts = app::diff_snapshots(
        repository_access(g), (*refs)[0], (*refs)[1], latest_rule(*latest_readable),
        [&](repo::TreeChange c, const std::string& path) {
          if (g.json)
            std::printf("%s\n", dump_json({{"path", path}, {"change", repo::tree_change_name(c)}}).c_str());
          else
            std::printf("%c %s\n", repo::tree_change_mark(c), path.c_str());
        },
        job(g));
    if (!g.json && !g.quiet)
      std::printf("\n%zu added, %zu removed, %zu modified, %zu metadata only\n", counts[0], counts[1], counts[2],
                  counts[3]);
    exit_code = 0;
  });
}

}  // namespace strata::cli
