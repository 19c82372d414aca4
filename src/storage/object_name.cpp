// Validation of object names, so no backend can be steered outside its root by a
// name taken from (possibly corrupt) repository metadata.
#include <string_view>

#include "common/error.h"
#include "storage/object_name_internal.h"

namespace strata::storage {
namespace {

bool valid_component(std::string_view c) {
  return !c.empty() && c != "." && c != ".." && !c.starts_with(kTempPrefix);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    if (!valid_component(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

void check_object_name(const std::string& name) {
  if (!valid_name(name)) throw Error(ExitCode::failure, "invalid object name '" + name + "'");
}

void check_list_prefix(const std::string& prefix) {
  if (!prefix.empty()) check_object_name(prefix);
}

bool under_prefix(const std::string& name, const std::string& prefix) {
  if (prefix.empty()) return true;
  return name.size() > prefix.size() + 1 && name.starts_with(prefix) &&
         name[prefix.size()] == '/';
}

}  // namespace strata::storage
