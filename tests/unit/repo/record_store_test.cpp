// Write-once records: round trip, identical re-put, conflicting re-put never
// overwrites, names are authenticated (a record copied under another name fails),
// flipped bytes fail, listing by prefix, invalid names refused.
#include "repo/record_store.h"

#include <gtest/gtest.h>

#include "repo_test_util.h"

namespace strata::repo {
namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(RecordStoreTest, PutGetIdenticalAndConflict) {
  testing::TestRepo t;
  RecordStore records(*t);
  Bytes data = testing::compressible_data(100000);
  EXPECT_EQ(records.put("pg/main/wal/a", data), RecordPut::stored);
  EXPECT_EQ(records.put("pg/main/wal/a", data), RecordPut::identical);
  Bytes other = data;
  other[5] ^= 1;
  try {
    records.put("pg/main/wal/a", other);
    FAIL() << "a different record under a taken name must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::conflict);
    EXPECT_NE(std::string(e.what()).find("not overwritten"), std::string::npos) << e.what();
  }
  EXPECT_EQ(*records.get("pg/main/wal/a"), data);
  EXPECT_FALSE(records.get("pg/main/wal/b").has_value());
}

TEST(RecordStoreTest, NameIsAuthenticatedAndBytesAreChecked) {
  testing::TestRepo t;
  RecordStore records(*t);
  records.put("x/one", text("first record"));
  // The same sealed bytes under another name do not open.
  t.mem.put("records/x/two", t.mem.raw("records/x/one"));
  EXPECT_THROW(records.get("x/two"), Error);
  t.mem.raw("records/x/one")[10] ^= 0x40;
  try {
    records.get("x/one");
    FAIL() << "a flipped byte must fail authentication";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::integrity);
  }
  // A corrupt existing record is never replaced by a put.
  EXPECT_THROW(records.put("x/one", text("first record")), Error);
}

TEST(RecordStoreTest, ListsByPrefixInNameOrder) {
  testing::TestRepo t;
  RecordStore records(*t);
  records.put("pg/main/wal/b", text("b"));
  records.put("pg/main/wal/a", text("a"));
  records.put("pg/other/wal/c", text("c"));
  auto list = records.list("pg/main");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "pg/main/wal/a");
  EXPECT_EQ(list[1].name, "pg/main/wal/b");
  EXPECT_GT(list[0].stored_ns, 0);
  records.remove("pg/main/wal/a");
  EXPECT_EQ(records.list("pg/main").size(), 1u);
}

TEST(RecordStoreTest, RefusesBadNames) {
  testing::TestRepo t;
  RecordStore records(*t);
  for (const char* bad : {"", "a//b", "../x", "a/./b", "a b", "a/"})
    EXPECT_THROW(records.put(bad, text("x")), Error) << bad;
}

}  // namespace
}  // namespace strata::repo
