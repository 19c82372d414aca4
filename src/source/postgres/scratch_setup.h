// Preparing a restored data directory to run as a private, short-lived server
// (table recovery's scratch instance): who may run it, whether that user can
// reach it, the settings that keep it off the network and out of the archive, and
// a free loopback port.
#pragma once
#include <string>
#include <vector>

#include "common/process.h"

namespace strata::source::postgres {

// The owner of the restored data directory; as root, the user to switch to.
// Error(usage) when, as root, the directory belongs to root (the server refuses
// to run as root).
posix::RunAs owner_of(const std::string& pgdata);

// Error(usage) unless `as` may search every directory above `dir` (the server
// must reach its data directory, log and socket there); the message names the
// directory and its mode.
void check_reachable(const std::string& dir, const posix::RunAs& as);

// The settings of a private instance: its own port on loopback only, its socket
// in `socket_dir`, no archiving, no waiting for synchronous standbys, the log on
// stderr (where pg_ctl -l puts it).
std::vector<std::string> scratch_settings(int port, const std::string& socket_dir);

// Appends scratch_settings to postgresql.auto.conf; supplies the postgresql.conf
// and pg_hba.conf that a cluster configured outside its data directory (Debian's
// /etc/postgresql) lacks. Files are owned by `as`. Error(io) naming the file.
void configure_scratch(const std::string& pgdata, int port, const std::string& socket_dir,
                       const posix::RunAs& as);

// A TCP port on 127.0.0.1 that nothing listens on right now. Error(io).
int free_loopback_port();

}  // namespace strata::source::postgres
