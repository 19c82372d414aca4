// LocalBackend specifics the contract suite cannot express: temporary files, file
// modes, directory permissions, failed writes leaving nothing behind, real ENOSPC,
// write_refusal() of a read-only mount.
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "storage/local_backend.h"
#include "storage/temp_dir.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// Every file below `dir` whose name starts with ".tmp-".
std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(".tmp-")) out.push_back(e.path());
  }
  return out;
}

Error expect_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error";
  return Error(ExitCode::ok, "");
}

class LocalBackendTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  std::string root_ = tmp_.path() + "/repo";
  LocalBackend b_{root_};
};

TEST_F(LocalBackendTest, ObjectsAreFilesUnderRootWithPrivateModes) {
  b_.put("data/ab/ab12", as_bytes("hello"));
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/data/ab/ab12").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  ASSERT_EQ(::stat((root_ + "/data/ab").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  EXPECT_TRUE(temp_files(root_).empty());
  EXPECT_EQ(b_.location(), root_);
}

TEST_F(LocalBackendTest, TrailingSlashInRootIsIgnored) {
  LocalBackend slash(root_ + "//");
  EXPECT_EQ(slash.location(), root_);
  slash.put("config", as_bytes("c"));
  EXPECT_EQ(to_string(b_.get("config")), "c");
}

TEST_F(LocalBackendTest, ListSkipsTemporaryFiles) {
  b_.put("data/ab/ab12", as_bytes("x"));
  write_file(root_ + "/data/ab/.tmp-deadbeef", "partial");
  write_file(root_ + "/.tmp-0011", "partial");
  auto list = b_.list("data");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "data/ab/ab12");
  EXPECT_EQ(b_.list("").size(), 1u);
}

TEST_F(LocalBackendTest, RemoveStaleTemporaries) {
  b_.put("data/ab/ab12", as_bytes("x"));
  write_file(root_ + "/data/ab/.tmp-1", "partial");
  write_file(root_ + "/data/cd/.tmp-2", "partial");
  write_file(root_ + "/.tmp-3", "partial");
  // Only leftovers older than a few minutes are stale; age these three.
  struct timespec old_times[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  for (const char* f : {"/data/ab/.tmp-1", "/data/cd/.tmp-2", "/.tmp-3"})
    ASSERT_EQ(utimensat(AT_FDCWD, (root_ + f).c_str(), old_times, 0), 0);
  write_file(root_ + "/data/ab/.tmp-fresh", "a live writer's file");
  EXPECT_EQ(b_.remove_stale_temporaries(), 3u);
  EXPECT_EQ(temp_files(root_).size(), 1u);  // the fresh one stays
  EXPECT_EQ(to_string(b_.get("data/ab/ab12")), "x");
  EXPECT_EQ(b_.remove_stale_temporaries(), 0u);
}

TEST_F(LocalBackendTest, MissingRootListsNothing) {
  LocalBackend absent(tmp_.path() + "/does-not-exist");
  EXPECT_TRUE(absent.list("data").empty());
  EXPECT_TRUE(absent.list("").empty());
  EXPECT_EQ(absent.remove_stale_temporaries(), 0u);
  EXPECT_EQ(absent.stat("config"), std::nullopt);
}

TEST_F(LocalBackendTest, RecreatesDirectoryRemovedBehindItsBack) {
  b_.put("locks/l1", as_bytes("1"));
  b_.remove("locks/l1");
  fs::remove_all(root_ + "/locks");
  b_.put("locks/l2", as_bytes("2"));
  EXPECT_EQ(to_string(b_.get("locks/l2")), "2");
}

TEST_F(LocalBackendTest, FailedRenameLeavesNoTemporary) {
  fs::create_directories(root_ + "/data/ab/ab12/occupied");  // a directory where the object goes
  Error e = expect_error([&] { b_.put("data/ab/ab12", as_bytes("payload")); });
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find("writing " + root_ + "/data/ab/ab12"), std::string::npos)
      << e.what();
  EXPECT_TRUE(temp_files(root_).empty());
}

TEST_F(LocalBackendTest, ShortWritesThenWriteErrorLeaveNothing) {
  // RLIMIT_FSIZE makes write() return short, then EFBIG: a real mid-file write failure
  // that works even as root.
  b_.put("data/ab/seed", as_bytes("s"));  // create the directory first
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  // Small objects go through the page cache, large ones start with O_DIRECT.
  std::vector<Error> errors;
  for (size_t size : {size_t{100000}, size_t{3 * 1024 * 1024 + 5}}) {
    Bytes big(size, 0x5a);
    errors.push_back(expect_error([&] { b_.put("data/ab/big", big); }));
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  for (const Error& e : errors) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find(root_ + "/data/ab/big"), std::string::npos) << e.what();
  }
  EXPECT_EQ(b_.stat("data/ab/big"), std::nullopt);
  EXPECT_TRUE(temp_files(root_).empty());
}

TEST_F(LocalBackendTest, StreamedWriteErrorNamesTheTemporaryAndLeavesNothing) {
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  auto w = b_.begin_put("data");
  EXPECT_EQ(temp_files(root_).size(), 1u);  // in data/ until it has a name
  struct rlimit small = old;
  small.rlim_cur = 1024 * 1024 + 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Error e = expect_error([&] {
    for (int i = 0; i < 8; ++i) w->append(Bytes(512 * 1024 + 3, 0x33));
    w->commit("data/ef/ef56");
  });
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find(root_ + "/data/"), std::string::npos) << e.what();
  w.reset();
  EXPECT_TRUE(temp_files(root_).empty());
  EXPECT_EQ(b_.stat("data/ef/ef56"), std::nullopt);
}

TEST_F(LocalBackendTest, StreamedCommitIntoOccupiedNameLeavesNoTemporary) {
  fs::create_directories(root_ + "/data/ab/ab12/occupied");
  auto w = b_.begin_put("data");
  w->append(Bytes(5000, 1));
  Error e = expect_error([&] { w->commit("data/ab/ab12"); });
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find("writing " + root_ + "/data/ab/ab12"), std::string::npos)
      << e.what();
  w.reset();
  EXPECT_TRUE(temp_files(root_).empty());
}

TEST_F(LocalBackendTest, ReadOnlyDirectoryGivesIoErrorNamingThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses directory permissions";
  b_.put("data/ab/seed", as_bytes("s"));
  ASSERT_EQ(::chmod((root_ + "/data/ab").c_str(), 0500), 0);
  Error e = expect_error([&] { b_.put("data/ab/ab12", as_bytes("x")); });
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find(root_ + "/data/ab/ab12"), std::string::npos) << e.what();
  ASSERT_EQ(::chmod(root_.c_str(), 0500), 0);
  LocalBackend fresh(root_);  // no cached directories
  e = expect_error([&] { fresh.put("index/i1", as_bytes("x")); });
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find(root_ + "/index"), std::string::npos) << e.what();
  ::chmod(root_.c_str(), 0700);
  ::chmod((root_ + "/data/ab").c_str(), 0700);
  EXPECT_TRUE(temp_files(root_).empty());
  EXPECT_EQ(b_.stat("data/ab/ab12"), std::nullopt);
}

TEST_F(LocalBackendTest, UnreadableObjectIsIoError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses file permissions";
  b_.put("config", as_bytes("c"));
  ASSERT_EQ(::chmod((root_ + "/config").c_str(), 0), 0);
  Error e = expect_error([&] { b_.get("config"); });
  EXPECT_EQ(e.code(), ExitCode::io);
  EXPECT_NE(std::string(e.what()).find("reading " + root_ + "/config"), std::string::npos);
}

TEST_F(LocalBackendTest, RealDiskFullOnTmpfs) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting tmpfs needs root";
  std::string mnt = tmp_.path() + "/small";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs here: " << std::strerror(errno);
  }
  {
    LocalBackend small(mnt + "/repo");
    small.put("data/aa/fits", Bytes(200 * 1024, 1));
    Error e = expect_error([&] { small.put("data/aa/too-big", Bytes(2 * 1024 * 1024, 2)); });
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("disk full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data/aa/too-big"), std::string::npos) << e.what();
    EXPECT_EQ(small.stat("data/aa/too-big"), std::nullopt);
    EXPECT_TRUE(temp_files(mnt).empty());
    EXPECT_EQ(small.get("data/aa/fits").size(), 200u * 1024);
  }
  ASSERT_EQ(::umount2(mnt.c_str(), MNT_DETACH), 0) << std::strerror(errno);
}

// write_refusal() answers without writing: a writable directory (or one not yet
// created, for init) is 0; a read-only bind mount is EROFS, and a write there
// fails with EROFS in sys_errno(), leaving nothing.
TEST_F(LocalBackendTest, WriteRefusalOfAReadOnlyMount) {
  EXPECT_EQ(b_.write_refusal("locks"), 0) << "a directory that does not exist yet";
  b_.put("config", as_bytes("c"));
  EXPECT_EQ(b_.write_refusal("locks"), 0);
  EXPECT_EQ(b_.write_refusal(""), 0);
  if (::geteuid() != 0) GTEST_SKIP() << "bind mounts need root";
  const std::string ro = tmp_.path() + "/ro";
  fs::create_directories(ro);
  if (::mount(root_.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr) != 0)
    GTEST_SKIP() << "cannot bind mount here: " << std::strerror(errno);
  if (::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    ::umount2(ro.c_str(), MNT_DETACH);
    GTEST_SKIP() << "cannot remount read-only here: " << std::strerror(errno);
  }
  {
    LocalBackend view(ro);
    EXPECT_EQ(view.write_refusal("locks"), EROFS);
    EXPECT_EQ(to_string(view.get("config")), "c") << "reads still work";
    Error e = expect_error([&] { view.put("locks/l1", as_bytes("x")); });
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_EQ(e.sys_errno(), EROFS) << e.what();
  }
  ASSERT_EQ(::umount2(ro.c_str(), MNT_DETACH), 0) << std::strerror(errno);
  EXPECT_FALSE(fs::exists(root_ + "/locks"));
}

// Without write permission (as a user other than root) the answer is EACCES.
TEST_F(LocalBackendTest, WriteRefusalWithoutPermission) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses directory permissions";
  b_.put("locks/l0", as_bytes("x"));
  ASSERT_EQ(::chmod((root_ + "/locks").c_str(), 0500), 0);
  EXPECT_EQ(b_.write_refusal("locks"), EACCES);
  Error e = expect_error([&] { b_.put("locks/l1", as_bytes("x")); });
  EXPECT_EQ(e.sys_errno(), EACCES) << e.what();
  ::chmod((root_ + "/locks").c_str(), 0700);
  EXPECT_EQ(b_.write_refusal("locks"), 0);
}

}  // namespace
}  // namespace strata::storage

namespace strata::storage {
namespace {

// A long-running writer (the async WAL pusher, the daemon) must not start a new
// repository tree where the old one was moved away or its disk unmounted.
TEST(LocalBackendRoot, AVanishedRepositoryDirectoryIsNotCreatedAgain) {
  testing::TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  std::filesystem::create_directories(root);
  LocalBackend b(root);
  b.put("records/a", as_bytes("1"));
  std::filesystem::rename(root, tmp.path() + "/moved");
  try {
    b.put("records/b", as_bytes("2"));
    ADD_FAILURE() << "put recreated the repository directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("has disappeared"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(root));
  // A directory that did not exist yet (init) is created by the first put.
  LocalBackend fresh(tmp.path() + "/new/repo");
  fresh.put("config", as_bytes("c"));
  EXPECT_TRUE(std::filesystem::exists(tmp.path() + "/new/repo/config"));
}

}  // namespace
}  // namespace strata::storage
