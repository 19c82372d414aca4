// FaultBackend: disk-full after a byte budget or a put count, refused writes (a
// read-only repository), failing and corrupted reads, and plain forwarding of
// everything else.
#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <vector>

#include "storage/fault_backend.h"
#include "storage/memory_backend.h"

namespace strata::storage {
namespace {

class FaultBackendTest : public ::testing::Test {
 protected:
  void expect_disk_full(const std::string& name, ByteView data) {
    try {
      fault_.put(name, data);
      ADD_FAILURE() << "put of " << name << " should fail";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::io);
      std::string msg = e.what();
      EXPECT_NE(msg.find("disk full"), std::string::npos) << msg;
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
    }
    EXPECT_EQ(mem_.stat(name), std::nullopt);
  }

  MemoryBackend mem_;
  FaultBackend fault_{mem_};
};

TEST_F(FaultBackendTest, ForwardsWithoutFaults) {
  fault_.put("data/a", as_bytes("abc"));
  EXPECT_EQ(to_string(fault_.get("data/a")), "abc");
  EXPECT_EQ(to_string(fault_.get_range("data/a", 1, 2)), "bc");
  EXPECT_EQ(fault_.stat("data/a"), 3u);
  EXPECT_EQ(fault_.list("data").size(), 1u);
  fault_.remove("data/a");
  EXPECT_EQ(mem_.object_count(), 0u);
  EXPECT_EQ(fault_.location(), "fault:mem:");
}

TEST_F(FaultBackendTest, DiskFullAfterBytes) {
  fault_.fail_puts_after_bytes(10);
  fault_.put("data/a", as_bytes("123456"));
  expect_disk_full("data/b", as_bytes("12345"));  // 6 + 5 > 10
  expect_disk_full("data/c", as_bytes("1"));      // still full afterwards
  EXPECT_EQ(mem_.object_count(), 1u);
  fault_.clear_faults();
  fault_.put("data/c", as_bytes("1"));
  EXPECT_EQ(mem_.object_count(), 2u);
}

TEST_F(FaultBackendTest, ExactBudgetFits) {
  fault_.fail_puts_after_bytes(4);
  fault_.put("a", as_bytes("1234"));
  expect_disk_full("b", as_bytes("5"));
}

TEST_F(FaultBackendTest, DiskFullAfterCount) {
  fault_.fail_puts_after_count(2);
  fault_.put("a", as_bytes("1"));
  fault_.put("b", as_bytes("2"));
  expect_disk_full("c", as_bytes("3"));
  expect_disk_full("d", as_bytes(""));
  EXPECT_EQ(mem_.object_count(), 2u);
}

TEST_F(FaultBackendTest, CountZeroFailsNextPut) {
  fault_.fail_puts_after_count(0);
  expect_disk_full("a", as_bytes("1"));
}

TEST_F(FaultBackendTest, FailReadsIf) {
  fault_.put("data/bad", as_bytes("x"));
  fault_.put("data/good", as_bytes("y"));
  fault_.fail_reads_if([](const std::string& n) { return n == "data/bad"; });
  for (auto fn : std::vector<std::function<void()>>{[&] { fault_.get("data/bad"); },
                                                    [&] { fault_.get_range("data/bad", 0, 1); }}) {
    try {
      fn();
      ADD_FAILURE() << "read should fail";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::io);
      EXPECT_NE(std::string(e.what()).find("reading data/bad"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(to_string(fault_.get("data/good")), "y");
  EXPECT_EQ(fault_.stat("data/bad"), 1u);  // only reads of content fail
}

TEST_F(FaultBackendTest, CorruptReadsFlipsOneByte) {
  Bytes data(101, 0x11);
  fault_.put("packs/p", data);
  fault_.corrupt_reads_if([](const std::string& n) { return n.starts_with("packs/"); });
  auto check_one_flip = [](const Bytes& want, const Bytes& got) {
    ASSERT_EQ(want.size(), got.size());
    size_t diffs = 0;
    for (size_t i = 0; i < want.size(); ++i) diffs += want[i] != got[i];
    EXPECT_EQ(diffs, 1u);
  };
  check_one_flip(data, fault_.get("packs/p"));
  check_one_flip(Bytes(10, 0x11), fault_.get_range("packs/p", 50, 10));
  EXPECT_EQ(mem_.raw("packs/p"), data);  // stored bytes untouched
  fault_.clear_faults();
  EXPECT_EQ(fault_.get("packs/p"), data);
}

TEST_F(FaultBackendTest, RefusedWritesStoreNothing) {
  fault_.put("locks/old", as_bytes("o"));
  fault_.refuse_writes(EROFS, true);
  EXPECT_EQ(fault_.write_refusal("locks"), EROFS);
  for (auto write : std::vector<std::function<void()>>{
           [&] { fault_.put("locks/l", as_bytes("x")); },
           [&] { fault_.put_if_absent("records/r", as_bytes("x")); },
           [&] { fault_.begin_put("data")->append(as_bytes("x")); },
           [&] { fault_.remove("locks/old"); }}) {
    try {
      write();
      ADD_FAILURE() << "a write should be refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::io);
      EXPECT_EQ(e.sys_errno(), EROFS) << e.what();
    }
  }
  EXPECT_EQ(mem_.object_count(), 1u);
  EXPECT_EQ(to_string(fault_.get("locks/old")), "o") << "reads still work";
  fault_.refuse_writes(EACCES, false);  // object storage: only the write tells
  EXPECT_EQ(fault_.write_refusal("locks"), 0);
  fault_.clear_faults();
  EXPECT_NO_THROW(fault_.put("locks/l", as_bytes("x")));
}

}  // namespace
}  // namespace strata::storage
