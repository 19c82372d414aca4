// When an S3 request is tried again and how long to wait first: bounded attempts,
// exponential backoff with full jitter (the AWS architecture guidance), for
// network failures (refused, reset, timed out, cut short), 5xx, 429 and the S3
// error codes that mean "try again". Separate from the transport so the policy
// is unit-tested without a server.
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace strata::storage {

struct RetryPolicy {
  int max_attempts = 6;      // first try included
  int64_t base_ms = 100;     // the cap of the first wait
  int64_t max_ms = 5000;     // no wait is longer than this
};

// Wait before attempt `attempt` (2 = first retry): uniform in [0, min(max, base * 2^(attempt-2))].
int64_t backoff_ms(const RetryPolicy& p, int attempt, std::mt19937_64& rng);

// Whether an HTTP answer with `status` and S3 error `code` is worth another try.
bool retryable_status(long status, const std::string& code);

}  // namespace strata::storage
