// Object-name rules shared by the storage backends (internal to storage/): names are
// relative '/'-separated paths, so a bad name must never escape the repository root.
#pragma once
#include <string>

namespace strata::storage {

// Prefix of the temporary files of in-progress puts; never a valid name component.
inline constexpr const char* kTempPrefix = ".tmp-";

// Throws Error(failure) "invalid object name '<name>'" unless `name` is non-empty,
// relative, has no empty, "." or ".." component, no NUL and no component starting
// with kTempPrefix.
void check_object_name(const std::string& name);

// Same rules for list() prefixes, except that "" (the whole repository) is allowed.
void check_list_prefix(const std::string& prefix);

// True if `name` lies under `prefix` in list() terms ("" matches everything).
bool under_prefix(const std::string& name, const std::string& prefix);

}  // namespace strata::storage
