// Creating key files safely: new file only (O_EXCL), mode 0600 from the start, fsynced.
#pragma once
#include <string>

namespace strata::app {

// Writes `contents` to a new file at `path`; refuses to overwrite (Error usage) and
// removes a partly written file on failure (Error io).
void write_new_key_file(const std::string& path, const std::string& contents);

}  // namespace strata::app
