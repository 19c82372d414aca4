// Owner, reachability, settings and port of a scratch instance (see scratch_setup.h).
#include "source/postgres/scratch_setup.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "common/posix_io.h"
#include "source/postgres/conf_text.h"

namespace strata::source::postgres {

namespace fs = std::filesystem;

namespace {

bool in_groups(const posix::RunAs& as, gid_t gid) {
  for (gid_t g : as.groups)
    if (g == gid) return true;
  return false;
}

void write_owned_file(const std::string& path, const std::string& content, const posix::RunAs& as, int flags) {
  posix::UniqueFd fd(posix::open_retry(path, O_WRONLY | O_CREAT | flags, 0600));
  if (!fd) throw io_error("writing " + path, errno);
  int err = posix::write_all(fd.get(), ByteView(reinterpret_cast<const uint8_t*>(content.data()), content.size()));
  if (err == 0 && as.switch_user && ::fchown(fd.get(), as.uid, as.gid) != 0) err = errno;
  if (const int closed = fd.close(); err == 0) err = closed;
  if (err != 0) throw io_error("writing " + path, err);
}

}  // namespace

posix::RunAs owner_of(const std::string& pgdata) {
  struct stat st {};
  if (::stat(pgdata.c_str(), &st) != 0) throw io_error("inspecting " + pgdata, errno);
  posix::RunAs as = posix::account_of(st.st_uid, st.st_gid);
  if (as.switch_user && as.uid == 0)
    throw Error(ExitCode::usage, pgdata + " (restored from the backup) is owned by root, and PostgreSQL refuses to "
                                          "run as root; the backup's data directory must belong to the server's user");
  return as;
}

void check_reachable(const std::string& dir, const posix::RunAs& as) {
  for (fs::path p = fs::path(dir).parent_path();; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw io_error("inspecting " + p.string(), errno);
    const mode_t bit = st.st_uid == as.uid ? S_IXUSR : in_groups(as, st.st_gid) ? S_IXGRP : S_IXOTH;
    if (!(st.st_mode & bit)) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw Error(ExitCode::usage, "the scratch directory " + dir + " is not reachable by " + as.name + " (uid " +
                                       std::to_string(as.uid) + "), who owns the restored data directory and runs "
                                       "the scratch instance: " + p.string() + " has mode " + mode +
                                       "; give --scratch-dir a directory that user can reach");
    }
    if (p == p.root_path() || p.empty()) break;
  }
}

std::vector<std::string> scratch_settings(int port, const std::string& socket_dir) {
  return {"port = " + std::to_string(port),
          "listen_addresses = '127.0.0.1'",
          "unix_socket_directories = " + conf_quote(socket_dir),
          "archive_mode = 'off'",
          "hot_standby = on",
          "synchronous_standby_names = ''",
          "logging_collector = off",
          "log_destination = 'stderr'"};
}

void configure_scratch(const std::string& pgdata, int port, const std::string& socket_dir, const posix::RunAs& as) {
  std::string text = "# scratch instance of strata pg restore-table\n";
  for (const auto& s : scratch_settings(port, socket_dir)) text += s + "\n";
  write_owned_file(pgdata + "/postgresql.auto.conf", text, as, O_APPEND);
  std::error_code ec;
  if (!fs::exists(pgdata + "/postgresql.conf", ec)) write_owned_file(pgdata + "/postgresql.conf", "", as, O_EXCL);
  if (!fs::exists(pgdata + "/pg_hba.conf", ec))
    write_owned_file(pgdata + "/pg_hba.conf",
                     "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n", as, O_EXCL);
}

int free_loopback_port() {
  posix::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) throw io_error("creating a socket to find a free port", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw io_error("finding a free port on 127.0.0.1", errno);
  return ntohs(addr.sin_port);
}

}  // namespace strata::source::postgres
