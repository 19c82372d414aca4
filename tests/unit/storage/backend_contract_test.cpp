// The contract every storage Backend must honour, run against each implementation
// (restic-style conformance suite): add a new backend to BackendTypes below.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "storage/local_backend.h"
#include "storage/memory_backend.h"
#include "storage/s3_backend.h"
#include "storage/error_code.h"
#include "storage/temp_dir.h"
#include "storage/tiered_backend.h"

namespace strata::storage {
namespace {

struct LocalFactory {
  testing::TempDir dir;
  std::unique_ptr<Backend> make() { return std::make_unique<LocalBackend>(dir.path() + "/repo"); }
};

// A local repository with two tier directories registered: every read goes
// through the lookup across tiers.
struct TieredFactory {
  testing::TempDir dir;
  std::unique_ptr<Backend> make() {
    auto b = std::make_unique<TieredBackend>(dir.path() + "/repo");
    b->set_tier_directories({{"warm", dir.path() + "/warm"}, {"cold", dir.path() + "/cold"}});
    return b;
  }
};

struct MemoryFactory {
  std::unique_ptr<Backend> make() { return std::make_unique<MemoryBackend>(); }
};

// A real S3-compatible server, when tests/integration/test_s3_conformance.sh
// started one and named it in STRATA_TEST_S3_ENDPOINT (skipped otherwise).
// Every test gets its own prefix; objects above 6 MiB go in 5 MiB parts so
// that multipart uploads are exercised too.
struct S3Factory {
  static const char* endpoint() { return std::getenv("STRATA_TEST_S3_ENDPOINT"); }
  std::unique_ptr<Backend> make() {
    static int counter = 0;
    const std::string bucket = std::getenv("STRATA_TEST_S3_BUCKET") ? std::getenv("STRATA_TEST_S3_BUCKET")
                                                                     : "strata-contract";
    const std::string where = std::string("s3:") + endpoint() + "/" + bucket + "/t" +
                              std::to_string(::getpid()) + "-" + std::to_string(++counter);
    auto getenv = [](const char* name) { return std::getenv(name); };
    S3Options options = S3Options::from_environment(getenv);
    options.multipart_threshold = 6 << 20;
    options.part_size = 5 << 20;
    auto b = std::make_unique<S3Backend>(parse_s3_location(where), resolve_s3_credentials(getenv), options);
    b->create_root();
    return b;
  }
};

template <typename Factory>
class BackendContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (std::is_same_v<Factory, S3Factory>) {
      if (!S3Factory::endpoint()) GTEST_SKIP() << "no S3 server (STRATA_TEST_S3_ENDPOINT unset)";
    }
    backend_ = factory_.make();
  }
  Backend& b() { return *backend_; }

  std::set<std::string> names(const std::string& prefix) {
    std::set<std::string> out;
    for (const auto& info : b().list(prefix)) out.insert(info.name);
    return out;
  }

  Factory factory_;
  std::unique_ptr<Backend> backend_;
};

using BackendTypes = ::testing::Types<LocalFactory, TieredFactory, MemoryFactory, S3Factory>;
class TypeNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, LocalFactory>) return "Local";
    if (std::is_same_v<T, TieredFactory>) return "Tiered";
    return std::is_same_v<T, MemoryFactory> ? "Memory" : "S3";
  }
};
TYPED_TEST_SUITE(BackendContract, BackendTypes, TypeNames);

using testing::code_of;

TYPED_TEST(BackendContract, PutGetOverwrite) {
  this->b().put("config", as_bytes("v1"));
  EXPECT_EQ(to_string(this->b().get("config")), "v1");
  this->b().put("config", as_bytes("version two"));
  EXPECT_EQ(to_string(this->b().get("config")), "version two");
  this->b().put("data/ab/ab12", as_bytes(""));
  EXPECT_TRUE(this->b().get("data/ab/ab12").empty());
}

TYPED_TEST(BackendContract, LargeObjectRoundTrip) {
  Bytes big(3 * 1024 * 1024 + 17);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7 + (i >> 13));
  this->b().put("data/00/big", big);
  EXPECT_EQ(this->b().get("data/00/big"), big);
  EXPECT_EQ(this->b().get_range("data/00/big", 1000000, 70000),
            Bytes(big.begin() + 1000000, big.begin() + 1070000));
}

TYPED_TEST(BackendContract, StreamedObjectIsNamedOnCommit) {
  Bytes big(3 * 1024 * 1024 + 4099);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 13 + (i >> 11));
  auto w = this->b().begin_put("data");
  // Uneven pieces, some smaller and some larger than a disk block or a megabyte.
  size_t done = 0;
  for (size_t piece : {size_t{8}, size_t{4095}, size_t{1}, size_t{1536 * 1024}, size_t{70000}}) {
    w->append(ByteView(big.data() + done, piece));
    done += piece;
  }
  EXPECT_TRUE(this->b().list("data").empty());  // nothing visible before commit
  w->append(ByteView(big.data() + done, big.size() - done));
  w->commit("data/cd/cd34");
  EXPECT_EQ(this->b().get("data/cd/cd34"), big);
  auto list = this->b().list("data");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].size, big.size());
}

TYPED_TEST(BackendContract, StreamedObjectNeverCommittedLeavesNothing) {
  {
    auto w = this->b().begin_put("data");
    w->append(Bytes(2 * 1024 * 1024, 7));
  }
  EXPECT_TRUE(this->b().list("").empty());
  auto w = this->b().begin_put("data");
  w->append(as_bytes("x"));
  EXPECT_NE(code_of([&] { w->commit("index/elsewhere"); }), ExitCode::ok);
  EXPECT_EQ(this->b().stat("index/elsewhere"), std::nullopt);
}

TYPED_TEST(BackendContract, GetRange) {
  this->b().put("packs/p", as_bytes("0123456789"));
  EXPECT_EQ(to_string(this->b().get_range("packs/p", 2, 3)), "234");
  EXPECT_EQ(to_string(this->b().get_range("packs/p", 0, 10)), "0123456789");
  EXPECT_EQ(to_string(this->b().get_range("packs/p", 10, 0)), "");
}

TYPED_TEST(BackendContract, GetRangePastEndIsIntegrityError) {
  this->b().put("packs/p", as_bytes("0123456789"));
  try {
    this->b().get_range("packs/p", 8, 5);
    FAIL() << "expected an integrity error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::integrity);
    std::string msg = e.what();
    EXPECT_NE(msg.find("packs/p: truncated (wanted 5 bytes at offset 8, object has 10)"),
              std::string::npos)
        << msg;
  }
  EXPECT_EQ(code_of([&] { this->b().get_range("packs/p", 11, 0); }), ExitCode::integrity);
  EXPECT_EQ(code_of([&] { this->b().get_range("packs/p", 1, UINT64_MAX); }), ExitCode::integrity);
  EXPECT_EQ(code_of([&] { this->b().get_range("packs/p", UINT64_MAX, 2); }), ExitCode::integrity);
}

TYPED_TEST(BackendContract, MissingObjectIsNotFound) {
  for (auto fn : std::vector<std::function<void()>>{
           [&] { this->b().get("snapshots/nope"); },
           [&] { this->b().get_range("snapshots/nope", 0, 1); },
           [&] { this->b().get("config/below-a-missing-dir"); }}) {
    try {
      fn();
      FAIL() << "expected not_found";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::not_found);
      EXPECT_NE(std::string(e.what()).find("no such object"), std::string::npos) << e.what();
    }
  }
}

TYPED_TEST(BackendContract, Stat) {
  EXPECT_EQ(this->b().stat("keys/k1"), std::nullopt);
  this->b().put("keys/k1", as_bytes("12345"));
  EXPECT_EQ(this->b().stat("keys/k1"), 5u);
  EXPECT_EQ(this->b().stat("keys"), std::nullopt);  // a "directory" is not an object
}

TYPED_TEST(BackendContract, ListIsRecursiveWithSizes) {
  this->b().put("data/ab/ab01", as_bytes("x"));
  this->b().put("data/cd/cd02", as_bytes("yy"));
  this->b().put("data/top", as_bytes("zzz"));
  this->b().put("index/i1", as_bytes("i"));
  auto list = this->b().list("data");
  std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.name < b.name; });
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "data/ab/ab01");
  EXPECT_EQ(list[0].size, 1u);
  EXPECT_EQ(list[1].name, "data/cd/cd02");
  EXPECT_EQ(list[1].size, 2u);
  EXPECT_EQ(list[2].name, "data/top");
  EXPECT_EQ(list[2].size, 3u);
  EXPECT_EQ(this->names("data/ab"), std::set<std::string>{"data/ab/ab01"});
  EXPECT_TRUE(this->b().list("locks").empty());
}

TYPED_TEST(BackendContract, ListPrefixIsolation) {
  this->b().put("data/x", as_bytes("1"));
  this->b().put("database/x", as_bytes("2"));
  EXPECT_EQ(this->names("data"), std::set<std::string>{"data/x"});
  EXPECT_EQ(this->names("database"), std::set<std::string>{"database/x"});
}

TYPED_TEST(BackendContract, ListAllWithEmptyPrefix) {
  this->b().put("config", as_bytes("c"));
  this->b().put("keys/k", as_bytes("k"));
  EXPECT_EQ(this->names(""), (std::set<std::string>{"config", "keys/k"}));
}

TYPED_TEST(BackendContract, RemoveIsIdempotent) {
  this->b().put("locks/l1", as_bytes("lock"));
  this->b().remove("locks/l1");
  EXPECT_EQ(this->b().stat("locks/l1"), std::nullopt);
  EXPECT_EQ(code_of([&] { this->b().get("locks/l1"); }), ExitCode::not_found);
  this->b().remove("locks/l1");
  this->b().remove("never/existed");
  EXPECT_TRUE(this->b().list("locks").empty());
}

TYPED_TEST(BackendContract, RejectsNamesEscapingTheRepository) {
  const std::vector<std::string> bad_names = {"",    "/etc/passwd", "../x", "a/../../x",
                                              "a//b", "a/",        "./a",  "a/.",
                                              "data/.tmp-123", std::string("a\0b", 3)};
  for (const std::string& bad : bad_names) {
    EXPECT_EQ(code_of([&] { this->b().put(bad, as_bytes("x")); }), ExitCode::failure) << bad;
    EXPECT_EQ(code_of([&] { this->b().get(bad); }), ExitCode::failure) << bad;
  }
  EXPECT_EQ(code_of([&] { this->b().list("../"); }), ExitCode::failure);
}

TYPED_TEST(BackendContract, ConcurrentPutsAreAllListed) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        std::string fan = std::to_string(i % 16);
        this->b().put("data/" + fan + "/" + id, as_bytes(id));
      }
    });
  }
  for (auto& th : threads) th.join();
  auto list = this->b().list("data");
  EXPECT_EQ(list.size(), size_t{kThreads * kPerThread});
  std::set<std::string> unique;
  for (const auto& info : list) {
    unique.insert(info.name);
    EXPECT_EQ(info.size, info.name.size() - info.name.rfind('/') - 1);
  }
  EXPECT_EQ(unique.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(to_string(this->b().get("data/3/2-179")), "2-179");
}

TYPED_TEST(BackendContract, PutIfAbsentNeverOverwrites) {
  EXPECT_TRUE(this->b().put_if_absent("records/pg/a", as_bytes("first")));
  EXPECT_FALSE(this->b().put_if_absent("records/pg/a", as_bytes("second")));
  EXPECT_EQ(to_string(this->b().get("records/pg/a")), "first");
}

TYPED_TEST(BackendContract, ConcurrentPutIfAbsentHasOneWinner) {
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      if (this->b().put_if_absent("locks/exclusive", as_bytes("writer " + std::to_string(t)))) ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TYPED_TEST(BackendContract, MultipartSizedObjectRoundTrip) {
  Bytes big(12 * 1024 * 1024 + 5);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 13 + (i >> 11));
  this->b().put("data/11/multi", big);
  EXPECT_EQ(this->b().stat("data/11/multi").value_or(0), big.size());
  EXPECT_EQ(this->b().get("data/11/multi"), big);
  EXPECT_EQ(this->b().get_range("data/11/multi", 5 * 1024 * 1024 - 3, 10),
            Bytes(big.begin() + 5 * 1024 * 1024 - 3, big.begin() + 5 * 1024 * 1024 + 7));
}

TYPED_TEST(BackendContract, ListReportsWhenObjectsWereStored) {
  const int64_t before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  this->b().put("snapshots/s1", as_bytes("x"));
  auto listed = this->b().list("snapshots");
  ASSERT_EQ(listed.size(), 1u);
  // Servers keep whole seconds or milliseconds: allow for the rounding.
  EXPECT_GT(listed[0].modified_ns, before - 2'000'000'000LL);
  EXPECT_LT(listed[0].modified_ns, before + 120'000'000'000LL);
}

}  // namespace
}  // namespace strata::storage
