// `strata snapshots`: list snapshots as a table or a JSON array.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/json_views.h"
#include "common/time_util.h"
#include "repo/snapshot.h"

namespace strata::cli {

void register_snapshots(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto dataset = std::make_shared<std::string>();
  auto tag = std::make_shared<std::string>();
  auto host = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("snapshots", "list snapshots");
  mark_reading(*cmd);
  cmd->add_option("--dataset", *dataset, "only this dataset");
  cmd->add_option("--tag", *tag, "only snapshots with this tag");
  cmd->add_option("--host", *host, "only this host");
  cmd->callback([&g, &exit_code, dataset, tag, host] {
    apply_environment(g);
    auto repo = open_repository(g);
    auto all = app::load_snapshots_logged(*repo);
    std::vector<const repo::Snapshot*> snaps;
    for (const auto& s : all)
      if ((dataset->empty() || s.dataset == *dataset) && (tag->empty() || s.has_tag(*tag)) &&
          (host->empty() || s.host == *host))
        snaps.push_back(&s);
    if (g.json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto* s : snaps) arr.push_back(snapshot_json(*s));
      std::printf("%s\n", dump_json(arr).c_str());
      exit_code = 0;
      return;
    }
    std::printf("%-8s  %-19s  %-16s  %-10s  %-14s  %s\n", "ID", "Time (UTC)", "Host", "Dataset", "Tags", "Paths");
    std::printf("%s\n", std::string(96, '-').c_str());
    for (const auto* s : snaps) {
      std::string tags;
      for (const auto& t : s->tags) tags += (tags.empty() ? "" : ",") + t;
      std::string paths;
      for (const auto& p : s->paths) paths += (paths.empty() ? "" : " ") + p;
      std::printf("%-8s  %-19s  %-16s  %-10s  %-14s  %s\n", s->id.substr(0, 8).c_str(),
                  format_short(s->time_ns).c_str(), s->host.c_str(), s->dataset.c_str(), tags.c_str(),
                  paths.c_str());
    }
    std::printf("%zu snapshot(s)\n", snaps.size());
    exit_code = 0;
  });
}

}  // namespace strata::cli
