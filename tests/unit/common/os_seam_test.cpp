// The one OS seam of common/: descriptors close themselves, files are replaced
// whole or not at all, scratch directories go away unless kept, and programs
// run with their exit code, captured output, a clear error when they cannot be
// started, and SIGTERM when their job is cancelled.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/atomic_file.h"
#include "common/cancel.h"
#include "common/error.h"
#include "common/posix_io.h"
#include "common/process.h"
#include "common/scratch_dir.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ByteView view(const std::string& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

class OsSeamTest : public testing::Test {
 protected:
  void SetUp() override { dir_.create("", "strata-os-seam-test."); }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
  ScratchDir dir_;
};

TEST_F(OsSeamTest, UniqueFdClosesAndReleases) {
  int raw;
  {
    posix::UniqueFd fd(posix::open_retry(path("a"), O_WRONLY | O_CREAT, 0600));
    ASSERT_TRUE(fd);
    raw = fd.get();
    EXPECT_NE(::fcntl(raw, F_GETFD) & FD_CLOEXEC, 0);  // open_retry adds O_CLOEXEC
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed by the destructor
  posix::UniqueFd fd(posix::open_retry(path("a"), O_RDONLY));
  posix::UniqueFd moved = std::move(fd);
  EXPECT_FALSE(fd);
  const int kept = moved.release();
  EXPECT_GE(::fcntl(kept, F_GETFD), 0);
  ::close(kept);
}

TEST_F(OsSeamTest, WriteAllThenReadToEndAndPreadFull) {
  std::string text(200'000, 'x');
  for (size_t i = 0; i < text.size(); i += 97) text[i] = static_cast<char>('a' + i % 26);
  posix::UniqueFd out(posix::open_retry(path("big"), O_WRONLY | O_CREAT, 0600));
  ASSERT_EQ(posix::write_all(out.get(), view(text)), 0);
  ASSERT_EQ(posix::pwrite_all(out.get(), view("HEAD"), 0), 0);
  ASSERT_EQ(out.close(), 0);
  text.replace(0, 4, "HEAD");
  posix::UniqueFd in(posix::open_retry(path("big"), O_RDONLY));
  Bytes all;
  ASSERT_EQ(posix::read_to_end(in.get(), 10, all), 0);  // a wrong size hint still reads everything
  EXPECT_EQ(std::string(all.begin(), all.end()), text);
  Bytes part;
  ASSERT_EQ(posix::pread_full(in.get(), text.size() - 5, 100, part), 0);  // short only at EOF
  EXPECT_EQ(std::string(part.begin(), part.end()), text.substr(text.size() - 5));
  EXPECT_EQ(posix::write_all(in.get(), view("no")), EBADF);  // errno, not an exception
}

TEST_F(OsSeamTest, ListDirectoryAndParentDirectory) {
  for (const char* n : {"x", "y", "z"}) std::ofstream(path(n)) << n;
  posix::UniqueFd d(posix::open_retry(dir_.path(), O_RDONLY | O_DIRECTORY));
  std::vector<std::string> names;
  ASSERT_EQ(posix::list_directory(d.get(), names), 0);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(posix::parent_directory("/a/b/c"), "/a/b");
  EXPECT_EQ(posix::parent_directory("/a"), "/");
  EXPECT_EQ(posix::parent_directory("a"), ".");
  EXPECT_EQ(posix::fsync_dir(dir_.path()), 0);
  EXPECT_EQ(posix::fsync_dir(path("missing")), ENOENT);
  EXPECT_EQ(posix::random_hex().size(), 16u);
  EXPECT_NE(posix::random_hex(), posix::random_hex());
}

TEST_F(OsSeamTest, ReplaceFileIsWholeAndLeavesNoTemporary) {
  posix::replace_file(path("f"), std::string("old"), posix::Durability::synced);
  posix::replace_file(path("f"), std::string("new content"), posix::Durability::synced);
  EXPECT_EQ(read_text(path("f")), "new content");
  EXPECT_FALSE(fs::exists(path("f.strata-tmp")));
  EXPECT_EQ(fs::status(path("f")).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(OsSeamTest, UncommittedWriterLeavesTheOldFile) {
  posix::replace_file(path("f"), std::string("old"), posix::Durability::rename_only);
  {
    posix::AtomicFileWriter w(path("f"));
    w.write(view("half of the n"));
    EXPECT_TRUE(fs::exists(w.temp_path()));
  }  // an error unwound before commit
  EXPECT_EQ(read_text(path("f")), "old");
  EXPECT_FALSE(fs::exists(path("f.strata-tmp")));
  posix::AtomicFileWriter w(path("f"));
  w.write(view("12345"));
  EXPECT_EQ(w.commit(posix::Durability::synced), 5u);
  EXPECT_EQ(read_text(path("f")), "12345");
}

TEST_F(OsSeamTest, ReplaceIntoAMissingDirectoryIsIoErrorNamingIt) {
  try {
    posix::replace_file(path("no/such/f"), std::string("x"), posix::Durability::synced);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find(path("no/such/f")), std::string::npos) << e.what();
  }
}

TEST_F(OsSeamTest, ScratchDirIsRemovedUnlessKept) {
  std::string gone, kept;
  {
    ScratchDir a, b;
    a.create(dir_.path(), "a.");
    b.create(dir_.path() + "/deeper/parent", "b.");  // the parent is created
    std::ofstream(a.path() + "/file") << "data";
    b.keep();
    gone = a.path();
    kept = b.path();
    EXPECT_EQ(fs::status(gone).permissions() & fs::perms::all, fs::perms::owner_all);
  }
  EXPECT_FALSE(fs::exists(gone));
  EXPECT_TRUE(fs::is_directory(kept));
}

TEST_F(OsSeamTest, RunProcessGivesExitCodeAndCapturedOutput) {
  posix::OutputCapture out, err;
  posix::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo hello; echo there; echo oops >&2; exit 3"};
  spec.stdout_fd = out.fd();
  spec.stderr_fd = err.fd();
  EXPECT_EQ(posix::run_process(spec), 3);
  EXPECT_EQ(out.text(), "hello\nthere\n");
  EXPECT_EQ(posix::one_line(out.text()), "hello; there");
  EXPECT_EQ(err.text(), "oops\n");
  spec.argv = {"/bin/sh", "-c", "kill -9 $$"};
  EXPECT_EQ(posix::run_process(spec), 128 + 9);
}

TEST_F(OsSeamTest, ProgramThatCannotStartIsSourceErrorNamingIt) {
  posix::ProcessSpec spec;
  spec.argv = {path("no-such-program")};
  try {
    posix::run_process(spec);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::source);
    EXPECT_NE(std::string(e.what()).find("cannot run " + path("no-such-program")), std::string::npos) << e.what();
  }
}

TEST_F(OsSeamTest, CancelledJobStopsItsChild) {
  CancelSource source;
  posix::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo $$ > " + path("pid") + "; exec sleep 60"};
  spec.cancel = source.token();
  std::thread canceller([&] {
    while (read_text(path("pid")).empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    source.cancel("stop the test job");
  });
  try {
    posix::run_process(spec);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::interrupted);
  }
  canceller.join();
  const pid_t child = static_cast<pid_t>(std::stol(read_text(path("pid"))));
  EXPECT_NE(::kill(child, 0), 0);  // gone, and reaped
}

TEST_F(OsSeamTest, FindInPathAndSelf) {
  EXPECT_FALSE(posix::find_in_path("sh").empty());
  EXPECT_TRUE(posix::find_in_path("strata-no-such-program").empty());
  EXPECT_TRUE(fs::exists(posix::self_executable()));
}

}  // namespace
}  // namespace strata
