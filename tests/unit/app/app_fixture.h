// A scratch directory with a repository created through app::init_repository (a
// generated key file, so no KDF work) and helpers to write source trees: what
// every use-case test starts from.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/init.h"
#include "app/job.h"
#include "app/repository_access.h"
#include "common/fake_clock.h"

namespace strata::app::testing {

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/strata-app-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    access_ = make_repository("repo");
    job_.clock = &clock_;
    job_.threads = 2;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A new repository below the scratch directory, with its own key file.
  RepositoryAccess make_repository(const std::string& name) {
    InitRequest init;
    init.access.location = dir_ + "/" + name;
    init.generate_key_file = dir_ + "/" + name + ".key";
    init.options.kdf.memory_kib = 8;
    init.options.kdf.time_cost = 1;
    init_repository(init, job_);
    RepositoryAccess access;
    access.location = init.access.location;
    access.key_file = init.generate_key_file;
    return access;
  }

  // Writes `content` to <scratch>/<rel>, creating directories; returns the path.
  std::string write_file(const std::string& rel, const std::string& content) {
    std::filesystem::path p = dir_ + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
  RepositoryAccess access_;
  FakeClock clock_;
  Job job_;
};

}  // namespace strata::app::testing
