// The range of every numeric setting, in one place: the command-line options, their
// STRATA_* variables and their strata.yaml keys all parse against these (through
// config/number.h), and docs/cli.md and docs/config.md quote them. A setting whose
// value could delete data (retention counts) has no "zero" or "negative" meaning:
// its smallest value keeps something.
#pragma once
#include "config/number.h"

namespace strata::config {

inline constexpr int64_t kSecondNs = 1000000000LL;
inline constexpr int64_t kYearNs = 365 * 86400 * kSecondNs;

// Worker threads (--threads, STRATA_THREADS).
inline constexpr WholeRange kThreads{1, 256};
// Seconds to wait for a repository lock (--retry-lock).
inline constexpr WholeRange kLockWaitSeconds{0, 86400};

// forget: --keep-last/-hourly/-daily/-weekly/-monthly/-yearly.
inline constexpr WholeRange kKeepCount{1, 1000000};
// forget --keep-within.
inline constexpr DurationRange kKeepWithin{kSecondNs, 100 * kYearNs};
// prune --max-unused.
inline constexpr PercentRange kMaxUnused{0, 100};
// check --read-data-subset.
inline constexpr PercentRange kReadDataSubset{0.01, 100};

// init: repository parameters (the library checks how they relate to each other).
inline constexpr WholeRange kCompressionLevel{0, 19};
inline constexpr WholeRange kPackSizeMib{1, 1024};
inline constexpr WholeRange kChunkSizeBytes{64, 64 * 1024 * 1024};
// Argon2id costs of passphrase key slots (init, key add, key passwd).
inline constexpr WholeRange kKdfMemoryKib{8, 4 * 1024 * 1024};
inline constexpr WholeRange kKdfTime{1, 100};

// PostgreSQL.
inline constexpr WholeRange kPort{1, 65535};
inline constexpr WholeRange kTimeoutSeconds{1, 86400};
inline constexpr WholeRange kPushParallel{1, 64};
inline constexpr WholeRange kGetAhead{1, 256};
inline constexpr WholeRange kBackupsToKeep{1, 10000};
inline constexpr DurationRange kPitrWindow{kSecondNs, 100 * kYearNs};
inline constexpr WholeRange kWalCompressionLevel{1, 19};
inline constexpr WholeRange kWalQuorum{1, 16};

// lifecycle: warm_after, cold_after, archive_after.
inline constexpr DurationRange kTierAge{kSecondNs, 100 * kYearNs};

}  // namespace strata::config
