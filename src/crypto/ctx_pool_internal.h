// A small per-object pool of OpenSSL contexts, so hot-path calls (seal/open/mac) reuse
// a keyed context instead of allocating and re-keying one per call. Crypto layer only.
#pragma once
#include <mutex>
#include <utility>
#include <vector>

namespace strata::crypto {

// Owns idle contexts of type Ctx, freed with FreeFn. Thread-safe: take() and give()
// lock a mutex only for a vector push/pop. A pool must outlive every lease taken from it.
template <typename Ctx, void (*FreeFn)(Ctx*)>
class CtxPool {
 public:
  CtxPool() = default;
  CtxPool(const CtxPool&) = delete;
  CtxPool& operator=(const CtxPool&) = delete;
  ~CtxPool() {
    for (Ctx* c : idle_) FreeFn(c);
  }

  // Returns an idle context, or nullptr when the caller must make a new one.
  Ctx* take() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return nullptr;
    Ctx* c = idle_.back();
    idle_.pop_back();
    return c;
  }

  void give(Ctx* c) {
    std::lock_guard lock(mu_);
    idle_.push_back(c);
  }

 private:
  std::mutex mu_;
  std::vector<Ctx*> idle_;
};

// RAII handle: returns the context to the pool when done, or frees it if discard()
// was called (its state is unknown after an OpenSSL failure).
template <typename Ctx, void (*FreeFn)(Ctx*)>
class CtxLease {
 public:
  CtxLease(CtxPool<Ctx, FreeFn>& pool, Ctx* ctx) : pool_(pool), ctx_(ctx) {}
  CtxLease(const CtxLease&) = delete;
  CtxLease& operator=(const CtxLease&) = delete;
  ~CtxLease() {
    if (ctx_ == nullptr) return;
    if (keep_) {
      pool_.give(ctx_);
    } else {
      FreeFn(ctx_);
    }
  }
  Ctx* get() const { return ctx_; }
  void discard() { keep_ = false; }

 private:
  CtxPool<Ctx, FreeFn>& pool_;
  Ctx* ctx_;
  bool keep_ = true;
};

}  // namespace strata::crypto
