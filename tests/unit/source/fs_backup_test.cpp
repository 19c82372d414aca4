// File-tree backup with two walkers: whatever subtrees the helper walker takes,
// the snapshot lists exactly the source tree (names, sizes, content), the counters
// add up, and a backup whose repository fails — in either walker's part — throws
// and saves no snapshot. Each case runs many times so that the hand-over happens
// at different moments.
#include "source/fs_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "../repo/repo_test_util.h"
#include "repo/snapshot.h"
#include "repo/tree_walk.h"
#include "storage/temp_dir.h"

namespace strata::source {
namespace {

using repo::testing::key_file_secret;
using repo::testing::slot_info;
using repo::testing::small_options;

// path below the source root -> content ("/" suffix: a directory)
using TreeSpec = std::map<std::string, std::string>;

// Several top-level directories, each two to three levels deep, with small
// files and a few larger ones, so that both walkers get subtrees.
TreeSpec make_spec(uint64_t seed) {
  std::mt19937_64 rng(seed);
  TreeSpec spec;
  for (int top = 0; top < 5; ++top) {
    std::string t = "t" + std::to_string(top) + "/";
    spec[t] = "";
    for (int mid = 0; mid < 6; ++mid) {
      std::string m = t + "m" + std::to_string(mid) + "/";
      spec[m] = "";
      for (int f = 0; f < 8; ++f) {
        size_t size = (f == 0 && mid % 3 == 0) ? 200000 + rng() % 200000 : rng() % 3000;
        std::string content(size, '\0');
        for (auto& c : content) c = static_cast<char>('a' + rng() % 7);
        spec[m + "f" + std::to_string(f)] = content;
      }
      spec[m + "deep/"] = "";
      spec[m + "deep/leaf"] = "leaf " + std::to_string(top * 100 + mid);
    }
  }
  spec["top-file"] = "at the root";
  return spec;
}

void write_spec(const std::string& root, const TreeSpec& spec) {
  for (const auto& [rel, content] : spec) {
    std::string p = root + "/" + rel;
    if (rel.back() == '/') {
      std::filesystem::create_directories(p);
    } else {
      std::ofstream(p, std::ios::binary) << content;
    }
  }
}

struct Fixture {
  storage::testing::TempDir tmp;
  std::string src = tmp.path() + "/src";
  storage::MemoryBackend mem;
  crypto::Secret secret = key_file_secret();
  storage::FaultBackend* faults_ptr = nullptr;  // owned by repo
  std::unique_ptr<repo::Repository> repo;

  explicit Fixture(const TreeSpec& spec) {
    write_spec(src, spec);
    repo::Repository::init(mem, secret, small_options(), slot_info("keyfile"));
    auto view = std::make_unique<storage::FaultBackend>(mem);
    faults_ptr = view.get();
    repo = repo::Repository::open(std::move(view), secret);
    repo->load_index();
  }

  BackupResult backup() {
    BackupOptions opts;
    opts.paths = {src};
    opts.threads = 2;
    ProgressCounters progress;
    return backup_paths(*repo, opts, progress);
  }
};

// What the snapshot holds below the source root, in TreeSpec form.
TreeSpec listed(repo::Repository& repo, const repo::Snapshot& snap, const std::string& src) {
  TreeSpec out;
  repo::walk_tree(repo, snap.tree, [&](const std::string& path, const repo::Node& node) {
    if (path.size() <= src.size() || path.compare(0, src.size() + 1, src + "/") != 0) return true;
    std::string rel = path.substr(src.size() + 1);
    if (node.type == repo::NodeType::dir) {
      out[rel + "/"] = "";
    } else {
      std::string content;
      for (const auto& id : node.content) {
        Bytes b = repo.load_blob(id, repo::BlobType::data);
        content.append(b.begin(), b.end());
      }
      EXPECT_EQ(content.size(), node.size) << rel;
      out[rel] = content;
    }
    return true;
  });
  return out;
}

TEST(FsBackupTest, SnapshotListsTheTreeWhateverTheHelperTakes) {
  TreeSpec spec = make_spec(7);
  size_t files = 0, dirs = 0;
  for (const auto& [rel, c] : spec) (rel.back() == '/' ? dirs : files)++;
  for (int round = 0; round < 12; ++round) {
    Fixture fx(spec);
    BackupResult r = fx.backup();
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(listed(*fx.repo, r.snapshot, fx.src), spec) << "round " << round;
    EXPECT_EQ(r.snapshot.summary.files_new, files);
    EXPECT_EQ(r.snapshot.summary.dirs_new, dirs + 1) << "the tree's directories and the source root";
    // A second backup with the first as parent: everything unchanged, same tree.
    BackupOptions opts;
    opts.paths = {fx.src};
    opts.threads = 2;
    opts.parent = &r.snapshot;
    ProgressCounters progress;
    BackupResult again = backup_paths(*fx.repo, opts, progress);
    // (Tree ids may differ: listing a new directory updates its atime.)
    EXPECT_EQ(listed(*fx.repo, again.snapshot, fx.src), spec) << "round " << round;
    EXPECT_EQ(again.snapshot.summary.files_unchanged, files);
    EXPECT_EQ(again.snapshot.summary.files_new, 0u);
  }
}

TEST(FsBackupTest, RepositoryFailureInEitherWalkerSavesNoSnapshot) {
  TreeSpec spec = make_spec(11);
  uint64_t total = 0;
  {
    Fixture fx(spec);
    fx.backup();
    total = fx.repo->write_stats().stored_bytes_added;
    ASSERT_GT(total, 1000000u);
  }
  // The disk fills at 16 points spread over the backup's writes (packs of both
  // walkers' data, trees, the index, the snapshot).
  for (uint64_t k = 0; k < 16; ++k) {
    Fixture fx(spec);
    fx.faults_ptr->fail_puts_after_bytes(total * k / 16);
    EXPECT_THROW(fx.backup(), Error) << "disk full after " << total * k / 16 << " bytes";
    fx.faults_ptr->clear_faults();
    std::vector<std::string> problems;
    EXPECT_TRUE(repo::load_snapshots(*fx.repo, &problems).empty()) << "after " << k << "/16";
  }
}

}  // namespace
}  // namespace strata::source
