// Shared helpers for the repo-layer unit tests: deterministic pseudo-random data,
// key-file secrets, small repositories on a MemoryBackend that can be reopened, and
// a switch for tests that document known bugs in src/.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "crypto/key_slot.h"
#include "crypto/random.h"
#include "repo/repository.h"
#include "storage/fault_backend.h"
#include "storage/memory_backend.h"

namespace strata::repo::testing {

// One line per entry: check and prune messages as a test failure shows them.
inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

inline Bytes random_data(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes out(n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  for (; i < n; ++i) out[i] = static_cast<uint8_t>(rng());
  return out;
}

inline Bytes compressible_data(size_t n) {
  std::string line = "the quick brown fox jumps over the lazy dog 0123456789\n";
  Bytes out;
  out.reserve(n);
  while (out.size() < n) out.push_back(static_cast<uint8_t>(line[out.size() % line.size()]));
  return out;
}

inline crypto::Secret key_file_secret() {
  crypto::Secret s;
  s.kind = crypto::Secret::Kind::key_file;
  s.key_file_bytes = crypto::random_bytes(32);
  return s;
}

inline crypto::Secret passphrase_secret(const std::string& p) {
  crypto::Secret s;
  s.kind = crypto::Secret::Kind::passphrase;
  s.passphrase = p;
  return s;
}

inline InitOptions small_options() {
  InitOptions o;
  o.chunker = ChunkerParams{16 * 1024, 64 * 1024, 256 * 1024};
  o.compression_level = 3;
  o.pack_size = 1024 * 1024;
  o.kdf = crypto::Argon2Params{1, 8192, 1};
  return o;
}

inline crypto::SlotInfo slot_info(const std::string& kind) {
  crypto::SlotInfo i;
  i.kind = kind;
  i.label = "test";
  i.host = "testhost";
  i.user = "tester";
  i.created = "2024-01-01T00:00:00Z";
  return i;
}

// A forwarding backend over a MemoryBackend the test keeps, so that several
// Repository objects (open, reopen) can share one store and the test can reach
// MemoryBackend::raw(). FaultBackend without faults is exactly that.
inline std::unique_ptr<storage::Backend> view_of(storage::Backend& inner) {
  return std::make_unique<storage::FaultBackend>(inner);
}

// A repository initialised with a key file on `mem`.
struct TestRepo {
  storage::MemoryBackend mem;
  crypto::Secret secret = key_file_secret();
  std::unique_ptr<Repository> repo;

  explicit TestRepo(const InitOptions& o = small_options()) {
    Repository::init(mem, secret, o, slot_info("keyfile"));
    reopen();
  }
  // Opens a fresh Repository on the same store and loads its index.
  Repository& reopen() {
    open_only();
    repo->load_index();
    return *repo;
  }
  // Opens a fresh Repository without loading the index (check/prune load it).
  Repository& open_only() {
    repo.reset();
    repo = Repository::open(view_of(mem), secret);
    return *repo;
  }
  Repository* operator->() { return repo.get(); }
  Repository& operator*() { return *repo; }
  BlobId save(BlobType type, ByteView data) {
    BlobId id = repo->blob_id(data, type);
    repo->save_blob(type, id, data);
    return id;
  }
};

template <class F>
ExitCode code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ExitCode::ok;
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace strata::repo::testing
