// For storage tests: the exit code of the Error a call throws (ok when none).
#pragma once
#include <functional>

#include "common/error.h"

namespace strata::storage::testing {

inline ExitCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace strata::storage::testing
