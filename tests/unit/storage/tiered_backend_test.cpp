// TieredBackend specifics: packs moving between tier directories, the tier file
// read back by a fresh instance, an interrupted move, refusing to strand packs,
// a missing (unmounted) tier directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/error_code.h"
#include "storage/temp_dir.h"
#include "storage/tiered_backend.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;

using testing::code_of;

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 31 + 7);
  return b;
}

class TieredBackendTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  std::string root_ = tmp_.path() + "/repo", warm_ = tmp_.path() + "/warm", cold_ = tmp_.path() + "/cold";
  std::unique_ptr<TieredBackend> b_ = std::make_unique<TieredBackend>(root_);
  const std::string pack_ = "data/ab/ab" + std::string(62, '1');

  void SetUp() override { b_->set_tier_directories({{"warm", warm_}, {"cold", cold_}}); }
  std::string class_of(const std::string& name) {
    for (const auto& o : b_->list("data"))
      if (o.name == name) return o.storage_class;
    return "(absent)";
  }
};

TEST_F(TieredBackendTest, PackMovesToColderTierAndBackKeepingItsBytes) {
  const Bytes data = pattern(20 * 1024 * 1024 + 17);  // more than one move slice
  b_->put(pack_, data);
  EXPECT_EQ(class_of(pack_), "hot");
  b_->set_storage_class(pack_, "cold");
  EXPECT_FALSE(fs::exists(root_ + "/" + pack_));
  EXPECT_TRUE(fs::exists(cold_ + "/" + pack_));
  EXPECT_EQ(class_of(pack_), "cold");
  EXPECT_EQ(b_->get(pack_), data);
  EXPECT_EQ(b_->get_range(pack_, 20 * 1024 * 1024, 17), Bytes(data.end() - 17, data.end()));
  EXPECT_EQ(b_->stat(pack_), data.size());
  b_->set_storage_class(pack_, "hot");
  EXPECT_TRUE(fs::exists(root_ + "/" + pack_));
  EXPECT_FALSE(fs::exists(cold_ + "/" + pack_));
  EXPECT_EQ(b_->get(pack_), data);
}

TEST_F(TieredBackendTest, AFreshInstanceFindsPacksThroughTheTierFile) {
  b_->put(pack_, as_bytes("pack"));
  b_->set_storage_class(pack_, "warm");
  TieredBackend reopened(root_);
  EXPECT_EQ(reopened.tier_directories().at("warm"), warm_);
  EXPECT_EQ(reopened.get(pack_), Bytes(as_bytes("pack").begin(), as_bytes("pack").end()));
  reopened.remove(pack_);
  EXPECT_FALSE(fs::exists(warm_ + "/" + pack_));
  EXPECT_EQ(code_of([&] { reopened.get(pack_); }), ExitCode::not_found);
}

TEST_F(TieredBackendTest, TheTierFileIsNotAnObject) {
  b_->put("config", as_bytes("c"));
  auto all = b_->list("");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "config");
}

TEST_F(TieredBackendTest, AnInterruptedMoveIsListedOnceAndFinishedByTheNextMove) {
  b_->put(pack_, as_bytes("both"));
  fs::create_directories(fs::path(cold_ + "/" + pack_).parent_path());
  fs::copy_file(root_ + "/" + pack_, cold_ + "/" + pack_);  // copied, original not yet removed
  auto listed = b_->list("data");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].storage_class, "hot");
  b_->set_storage_class(pack_, "cold");
  EXPECT_FALSE(fs::exists(root_ + "/" + pack_));
  EXPECT_EQ(class_of(pack_), "cold");
  b_->remove(pack_);
  EXPECT_FALSE(b_->stat(pack_));
}

TEST_F(TieredBackendTest, MetadataAndUnknownTiersAreRefused) {
  b_->put("snapshots/s1", as_bytes("s"));
  EXPECT_EQ(code_of([&] { b_->set_storage_class("snapshots/s1", "cold"); }), ExitCode::usage);
  b_->put(pack_, as_bytes("p"));
  EXPECT_EQ(code_of([&] { b_->set_storage_class(pack_, "archive"); }), ExitCode::usage);
  EXPECT_EQ(class_of(pack_), "hot");
}

TEST_F(TieredBackendTest, AMissingTierDirectoryMovesNothing) {
  b_->put(pack_, as_bytes("p"));
  fs::remove_all(cold_);  // the disk is not mounted
  EXPECT_EQ(code_of([&] { b_->set_storage_class(pack_, "cold"); }), ExitCode::io);
  EXPECT_EQ(class_of(pack_), "hot");
  EXPECT_TRUE(fs::exists(root_ + "/" + pack_));
}

TEST_F(TieredBackendTest, ChangingATierDirectoryNeedsItsPacksCopiedFirst) {
  b_->put(pack_, as_bytes("p"));
  b_->set_storage_class(pack_, "cold");
  const std::string moved = tmp_.path() + "/cold2";
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", warm_}, {"cold", moved}}); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", warm_}}); }), ExitCode::usage);
  EXPECT_EQ(b_->tier_directories().at("cold"), cold_);
  fs::copy(cold_, moved, fs::copy_options::recursive);
  b_->set_tier_directories({{"warm", warm_}, {"cold", moved}});
  EXPECT_EQ(TieredBackend(root_).tier_directories().at("cold"), moved);
  EXPECT_EQ(class_of(pack_), "cold");
}

TEST_F(TieredBackendTest, OverlappingOrRelativeDirectoriesAndMissingParentsAreRefused) {
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", root_ + "/warm"}}); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", "rel/warm"}}); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", warm_}, {"cold", warm_ + "/x"}}); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"hot", warm_}}); }), ExitCode::usage);
  EXPECT_EQ(code_of([&] { b_->set_tier_directories({{"warm", tmp_.path() + "/no/such/warm"}}); }), ExitCode::io);
}

TEST_F(TieredBackendTest, ACorruptTierFileIsAnIntegrityError) {
  std::ofstream(root_ + "/" + TieredBackend::kTierFile) << "warm relative/path\n";
  EXPECT_EQ(code_of([&] { TieredBackend again(root_); }), ExitCode::integrity);
}

}  // namespace
}  // namespace strata::storage
