// Result<T>: a value or the Error that prevented it, for parsers and for failures a
// caller is expected to handle on the spot (docs/decisions/0003-error-model.md).
// [[nodiscard]]: a Result that is dropped is a bug the compiler reports. value()
// throws the carried Error, so code that cannot handle the failure passes it up
// unchanged, and code that can looks at error() without a try block.
#pragma once
#include <utility>
#include <variant>

#include "common/error.h"

namespace strata {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // The value; throws the Error when there is none.
  const T& value() const& {
    if (!ok()) throw std::get<1>(v_);
    return std::get<0>(v_);
  }
  T value() && {
    if (!ok()) throw std::get<1>(v_);
    return std::move(std::get<0>(v_));
  }
  // Precondition: !ok().
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace strata
