// `strata diff SNAP1 SNAP2`: what was added, removed or changed between snapshots.
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/json_views.h"
#include "repo/snapshot.h"
#include "repo/tree_walk.h"

namespace strata::cli {

namespace {

bool same_metadata(const repo::Node& a, const repo::Node& b) {
  return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid && a.mtime_ns == b.mtime_ns &&
         a.link_target == b.link_target && a.xattrs == b.xattrs && a.type == b.type;
}

void diff_trees(repo::Repository& repo, const std::optional<repo::BlobId>& a,
                const std::optional<repo::BlobId>& b, const std::string& prefix,
                const std::function<void(char, const std::string&)>& emit) {
  if (a && b && *a == *b) return;  // identical subtrees (same id = same content)
  std::map<std::string, repo::Node> left, right;
  if (a) for (auto& n : repo::load_tree(repo, *a).nodes) left.emplace(n.name, std::move(n));
  if (b) for (auto& n : repo::load_tree(repo, *b).nodes) right.emplace(n.name, std::move(n));
  auto all_below = [&](char c, const repo::Node& n, const std::string& path) {
    emit(c, path);
    if (n.type == repo::NodeType::dir && n.subtree)
      repo::walk_tree(repo, *n.subtree, [&](const std::string& p, const repo::Node&) {
        emit(c, path + p);
        return true;
      });
  };
  for (const auto& [name, l] : left) {
    std::string path = prefix + "/" + name;
    auto it = right.find(name);
    if (it == right.end()) { all_below('-', l, path); continue; }
    const auto& r = it->second;
    if (l.type != r.type) { all_below('-', l, path); all_below('+', r, path); continue; }
    if (l.type == repo::NodeType::dir) {
      if (!same_metadata(l, r)) emit('U', path);
      diff_trees(repo, l.subtree, r.subtree, path, emit);
    } else if (l.content != r.content || l.size != r.size || l.link_target != r.link_target) {
      emit('M', path);
    } else if (!same_metadata(l, r)) {
      emit('U', path);
    }
  }
  for (const auto& [name, r] : right)
    if (!left.count(name)) all_below('+', r, prefix + "/" + name);
}

}  // namespace

void register_diff(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto refs = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("diff", "show differences between two snapshots");
  mark_reading(*cmd);
  cmd->add_option("snapshots", *refs, "two snapshot ids")->required()->expected(2);
  auto latest_readable = std::make_shared<bool>(false);
  add_latest_readable_flag(*cmd, *latest_readable);
  cmd->callback([&g, &exit_code, refs, latest_readable] {
    apply_environment(g);
    auto repo = open_repository(g);
    repo->load_index();
    auto snaps = app::load_snapshot_list_logged(*repo);
    const auto& a = repo::resolve_snapshot(snaps, (*refs)[0], latest_rule(*latest_readable));
    const auto& b = repo::resolve_snapshot(snaps, (*refs)[1], latest_rule(*latest_readable));
    size_t counts[4] = {0, 0, 0, 0};
    diff_trees(*repo, a.tree, b.tree, "", [&](char c, const std::string& path) {
      counts[c == '+' ? 0 : c == '-' ? 1 : c == 'M' ? 2 : 3]++;
      if (g.json) {
        const char* change = c == '+' ? "added" : c == '-' ? "removed" : c == 'M' ? "modified" : "metadata";
        std::printf("%s\n", dump_json({{"path", path}, {"change", change}}).c_str());
      } else {
        std::printf("%c %s\n", c, path.c_str());
      }
    });
    if (!g.json && !g.quiet)
      std::printf("\n%zu added, %zu removed, %zu modified, %zu metadata only\n", counts[0], counts[1], counts[2],
                  counts[3]);
    exit_code = 0;
  });
}

}  // namespace strata::cli
