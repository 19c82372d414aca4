// Who and where this process runs: host name and user name, as recorded in
// snapshots, locks and key slots.
#pragma once
#include <string>

namespace strata {

std::string local_hostname();
// The name of the real user, or its numeric uid when it has no passwd entry.
std::string local_username();

}  // namespace strata
