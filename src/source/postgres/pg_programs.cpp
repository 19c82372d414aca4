// resolve_pg_bindir (see pg_programs.h).
#include "source/postgres/pg_programs.h"

#include <unistd.h>

#include "common/error.h"
#include "common/process.h"

namespace strata::source::postgres {
namespace {

// `pg_config --bindir`, or "" when pg_config is missing or fails.
std::string pg_config_bindir() {
  const std::string exe = posix::find_in_path("pg_config");
  if (exe.empty()) return "";
  posix::OutputCapture out;
  posix::ProcessSpec spec;
  spec.argv = {exe, "--bindir"};
  spec.stdout_fd = out.fd();
  try {
    if (posix::run_process(spec) != 0) return "";
  } catch (const Error&) {
    return "";
  }
  return posix::one_line(out.text());
}

bool has_programs(const std::string& dir) {
  return !dir.empty() && ::access((dir + "/pg_ctl").c_str(), X_OK) == 0 &&
         ::access((dir + "/pg_dump").c_str(), X_OK) == 0;
}

}  // namespace

std::string resolve_pg_bindir(const std::string& given, int server_version_num) {
  if (!given.empty()) {
    if (!has_programs(given)) throw Error(ExitCode::usage, given + " has no executable pg_ctl and pg_dump");
    return given;
  }
  const std::string versioned = "/usr/lib/postgresql/" + std::to_string(server_version_num / 10000) + "/bin";
  for (const std::string& dir : {pg_config_bindir(), versioned, std::string("/usr/lib/postgresql/15/bin")})
    if (has_programs(dir)) return dir;
  throw Error(ExitCode::source, "PostgreSQL's pg_ctl and pg_dump were found neither in the directory of "
                                "'pg_config --bindir' nor in " + versioned + "; give --pg-bindir DIR");
}

}  // namespace strata::source::postgres
