// Retry policy for S3 requests (see s3_retry.h).
#include "storage/s3_retry.h"

#include <algorithm>

namespace strata::storage {

int64_t backoff_ms(const RetryPolicy& p, int attempt, std::mt19937_64& rng) {
  int shift = std::clamp(attempt - 2, 0, 30);
  int64_t cap = std::min<int64_t>(p.max_ms, p.base_ms << std::min(shift, 20));
  if (cap <= 0) return 0;
  std::uniform_int_distribution<int64_t> d(0, cap);
  return d(rng);
}

bool retryable_status(long status, const std::string& code) {
  if (status == 429 || status >= 500) return true;
  // 400 RequestTimeout: the server gave up waiting for the body; 409 when a
  // conditional write raced another (AWS ConditionalRequestConflict).
  return code == "RequestTimeout" || code == "SlowDown" ||
         code == "ConditionalRequestConflict" || code == "OperationAborted";
}

}  // namespace strata::storage
