// `strata unlock`: remove stale (or all) locks.
#include "app/maintenance.h"
#include "cli/commands.h"

namespace strata::cli {

void register_unlock(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto all = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("unlock", "remove stale locks");
  cmd->add_flag("--remove-all", *all, "remove every lock, even those of running processes");
  cmd->callback([&g, &exit_code, all] {
    apply_environment(g);
    auto removed = app::unlock(repository_access(g), *all, job(g));
    for (const auto& l : removed) say(g, "removed " + l.describe());
    say(g, std::to_string(removed.size()) + " lock(s) removed");
    exit_code = 0;
  });
}

}  // namespace strata::cli
