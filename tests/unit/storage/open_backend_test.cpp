// open_backend(): which location strings open a local backend and which are refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/backend.h"

namespace strata::storage {
namespace {

TEST(OpenBackend, PlainAndLocalPathsAreLocal) {
  EXPECT_EQ(open_backend("/srv/repo")->location(), "/srv/repo");
  EXPECT_EQ(open_backend("local:/srv/repo/")->location(), "/srv/repo");
  EXPECT_EQ(open_backend("/srv/./x/../repo")->location(), "/srv/repo");
}

TEST(OpenBackend, RelativePathBecomesAbsolute) {
  std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(open_backend("some/repo")->location(), cwd + "/some/repo");
  EXPECT_EQ(open_backend("local:rel")->location(), cwd + "/rel");
}

TEST(OpenBackend, DoesNotCreateAnything) {
  std::string where = "/tmp/strata-open-backend-" + std::to_string(::getpid());
  auto b = open_backend(where);
  EXPECT_FALSE(std::filesystem::exists(where));
  EXPECT_TRUE(b->list("").empty());
}

TEST(OpenBackend, UnsupportedSchemesAreUsageErrors) {
  for (std::string loc : {"sftp:host:/repo",
                          "https://example.com/repo", "file:///srv/repo"}) {
    try {
      open_backend(loc);
      ADD_FAILURE() << loc << " should be refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      EXPECT_EQ(std::string(e.what()), "unsupported repository location '" + loc +
                                           "' (supported: a local directory path, s3:https://HOST/BUCKET[/PREFIX])");
    }
  }
}

TEST(OpenBackend, EmptyLocationIsUsageError) {
  try {
    open_backend("");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

}  // namespace
}  // namespace strata::storage
