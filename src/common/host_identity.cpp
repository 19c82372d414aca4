// Host and user names of this process (see host_identity.h).
#include "common/host_identity.h"

#include <pwd.h>
#include <unistd.h>

namespace strata {

std::string local_hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string local_username() {
  struct passwd* pw = getpwuid(getuid());
  return pw ? pw->pw_name : std::to_string(getuid());
}

}  // namespace strata
