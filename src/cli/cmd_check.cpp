// `strata check`: verify repository structure and (optionally) all data.
#include <cstdio>

#include "cli/number_option.h"
#include "cli/commands.h"
#include "app/check.h"
#include "config/ranges.h"

namespace strata::cli {

void register_check(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto read_data = std::make_shared<bool>(false);
  auto subset = std::make_shared<double>(0);
  auto* cmd = app.add_subcommand("check", "verify the repository");
  mark_reading(*cmd);
  cmd->add_flag("--read-data", *read_data, "read and verify every pack");
  add_percent_option(*cmd, "--read-data-subset", *subset, config::kReadDataSubset,
                     "read and verify this percentage of packs (e.g. 10%)");
  cmd->callback([&g, &exit_code, read_data, subset] {
    apply_environment(g);
    app::CheckRequest request{repository_access(g), {}};
    auto& opts = request.options;
    opts.read_data = *read_data;
    if (*subset > 0) {
      opts.read_data_percent = *subset;
      opts.read_data = true;
    }
    repo::CheckReport r;
    {
      ProgressReporter reporter(progress_mode(g), "check", job(g).progress);
      r = app::check(request, job(g));
    }
    for (const auto& w : r.warnings) std::fprintf(stderr, "strata: warning: %s\n", w.c_str());
    for (const auto& e : r.errors) std::printf("error: %s\n", e.c_str());
    if (!g.quiet) {
      std::printf("checked %llu snapshot(s), %llu tree(s), %llu pack(s)",
                  static_cast<unsigned long long>(r.snapshots), static_cast<unsigned long long>(r.trees),
                  static_cast<unsigned long long>(r.packs));
      if (opts.read_data)
        std::printf("; read %llu pack(s), %llu blob(s)", static_cast<unsigned long long>(r.packs_read),
                    static_cast<unsigned long long>(r.blobs_read));
      std::printf("\n");
    }
    if (!r.errors.empty()) {
      if (r.index_damaged)
        std::fprintf(stderr, "strata: hint: the index is damaged or incomplete: run 'strata repair index' to rebuild "
                             "it from the packs before anything else (docs/operations.md, \"Lost or corrupt index\")\n");
      std::fprintf(stderr, "strata: error: check found %zu problem(s)\n", r.errors.size());
      exit_code = static_cast<int>(ExitCode::integrity);
      return;
    }
    say(g, "no errors were found");
    exit_code = 0;
  });
}

}  // namespace strata::cli
