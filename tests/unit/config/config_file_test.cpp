// strata.yaml checked against the schema: line-precise errors for unknown keys,
// wrong types and out-of-range values; settings read into typed structs; flags and
// environment win over the file; docs/config.md and docs/cli.md name every key and
// the flag that overrides it.
#include "config/config_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "config/schema.h"

namespace strata::config {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("strata-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string p = (dir_ / "strata.yaml").string();
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& text) {
    const std::string p = write(text);
    try {
      load_config_file(p);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      return std::string(e.what()).substr(p.size());
    }
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, ReadsEverySection) {
  auto cfg = load_config_file(write(R"(repository: /srv/repo
key_file: keys/k
replicas:
  - {name: dr, repository: /srv/dr}
lifecycle:
  warm_after: 10d
  datasets: {db: {cold_after: 200d}}
  prices: {GLACIER: {storage_per_gib_month: 0.5}}
postgres:
  stanzas:
    main: {pgdata: /var/lib/pg, port: 5433, pitr_window: 7d, archive_to: [dr], wal_quorum: 2,
           standby: {port: 5434}}
schedules: {anything: [1, 2]}
)"));
  EXPECT_EQ(cfg.repository, "/srv/repo");
  EXPECT_EQ(cfg.key_file, (dir_ / "keys/k").string());
  ASSERT_EQ(cfg.replicas.size(), 1u);
  EXPECT_EQ(cfg.replicas[0].name, "dr");
  EXPECT_EQ(cfg.lifecycle.defaults.warm_after_ns, 10LL * 86400 * 1000000000);
  EXPECT_EQ(cfg.lifecycle.per_dataset.at("db").cold_after_ns, 200LL * 86400 * 1000000000);
  EXPECT_DOUBLE_EQ(cfg.lifecycle.price("GLACIER").storage_per_gib_month, 0.5);
  const auto& st = cfg.stanzas.at("main");
  EXPECT_EQ(st.primary.port, 5433);
  EXPECT_EQ(st.pitr_window_ns, 7LL * 86400 * 1000000000);
  EXPECT_EQ(st.wal_quorum, 2);
  ASSERT_TRUE(st.standby.has_value());
  EXPECT_EQ(st.standby->port, 5434);
}

TEST_F(ConfigFileTest, ErrorsNameLineAndKey) {
  EXPECT_EQ(error_of("repository: /r\nreplicaz: []\n"),
            ":2: replicaz: unknown key (known here: repository, password_file, key_file, tiers, sources, schedules, "
            "retention, server, replicas, lifecycle, postgres)");
  EXPECT_EQ(error_of("postgres:\n  stanzas:\n    main:\n      prot: 5432\n"),
            ":4: postgres.stanzas.main.prot: unknown key (known here: pgdata, host, port, user, database, standby, "
            "wal_compression_level, archive_timeout, retention_full, retention_diff, pitr_window, async, spool, "
            "push_parallel, get_ahead, archive_to, wal_quorum)");
  EXPECT_EQ(error_of("postgres:\n  stanzas:\n    main:\n      port: -1\n"),
            ":4: postgres.stanzas.main.port: must be a whole number from 1 to 65535, got '-1'");
  EXPECT_EQ(error_of("lifecycle:\n  cold_after: soon\n"),
            ":2: lifecycle.cold_after: must be a duration from 1s to 100y such as 30d, 12h, 90min or 1y6m, got 'soon'");
  EXPECT_EQ(error_of("postgres:\n  stanzas:\n    main:\n      async: maybe\n"),
            ":4: postgres.stanzas.main.async: must be true or false, got 'maybe'");
  EXPECT_EQ(error_of("replicas:\n  - name: a\n    repository: [x]\n"),
            ":3: replicas[0].repository: must be a single value, not a list or mapping");
  EXPECT_EQ(error_of("lifecycle: 5\n"), ":1: lifecycle: must be a mapping");
}

TEST_F(ConfigFileTest, RelationsBetweenKeys) {
  EXPECT_EQ(error_of("lifecycle:\n  warm_after: 90d\n  cold_after: 30d\n"),
            ": lifecycle: warm_after <= cold_after <= archive_after is required");
  EXPECT_EQ(error_of("postgres:\n  stanzas:\n    main:\n      archive_to: [nowhere]\n"),
            ": postgres.stanzas.main.archive_to: 'nowhere' is not the name of an entry of replicas:");
}

TEST(ApplyFileDefaults, FlagsAndEnvironmentWin) {
  ConfigFile file;
  file.repository = "/file/repo";
  file.password_file = "/file/pw";
  RepositorySettings given{"", "", "/flag/key"};
  apply_file_defaults(given, file);
  EXPECT_EQ(given.repository, "/file/repo");
  EXPECT_EQ(given.password_file, "");  // a secret given elsewhere replaces the file's
  EXPECT_EQ(given.key_file, "/flag/key");
  RepositorySettings none;
  apply_file_defaults(none, file);
  EXPECT_EQ(none.password_file, "/file/pw");
}

std::string read_doc(const char* name) {
  std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/docs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SchemaDocs, ConfigMdNamesEveryKeyAndCliMdEveryFlag) {
  const std::string config_md = read_doc("config.md");
  const std::string cli_md = read_doc("cli.md");
  ASSERT_FALSE(config_md.empty());
  for (const auto& k : schema()) {
    std::string leaf = k.path.substr(k.path.find_last_of(".]") == std::string::npos ? 0 : k.path.find_last_of(".]") + 1);
    if (leaf == "*" || leaf.empty()) continue;
    const bool named = config_md.find("`" + leaf + "`") != std::string::npos ||
                       config_md.find("`" + leaf + ".") != std::string::npos ||
                       config_md.find("." + leaf + "`") != std::string::npos ||
                       config_md.find("." + leaf + ".") != std::string::npos;
    EXPECT_TRUE(named) << "docs/config.md does not name " << k.path;
    if (!k.flag.empty()) {
      EXPECT_NE(cli_md.find(k.flag), std::string::npos) << "docs/cli.md does not name " << k.flag;
    }
    if (!k.env.empty()) {
      EXPECT_NE(cli_md.find(k.env), std::string::npos) << "docs/cli.md does not name " << k.env;
    }
  }
}

}  // namespace
}  // namespace strata::config
