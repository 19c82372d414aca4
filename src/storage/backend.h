// The storage Backend interface: every byte of a repository goes through it, so
// the repository engine runs unchanged on a local disk, an in-memory store (tests),
// a fault-injecting wrapper (tests) and S3-compatible object storage.
//
// Object names are relative '/'-separated paths such as "config", "keys/<id>",
// "data/ab/<id>", "index/<id>", "snapshots/<id>", "locks/<id>".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/cancel.h"
#include "common/clock.h"
#include "common/error.h"

namespace strata::storage {

struct ObjectInfo {
  std::string name;  // full object name, e.g. "data/ab/ab12..."
  uint64_t size = 0;
  int64_t modified_ns = 0;  // when the object was stored (0 if the backend cannot tell)
  std::string storage_class;  // object storage: "STANDARD", "GLACIER", ...; "" elsewhere
};

// An object written in pieces whose name is known only at the end (a pack is named
// by the hash of its bytes): memory stays small whatever the object's size.
// commit() has put()'s guarantees; destroying an uncommitted writer discards what
// was appended (a crash may leave a temporary that remove_stale_temporaries()
// removes). Not thread-safe: one writer per thread at a time.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Throws Error(io) (disk full, ...) naming where it was writing.
  virtual void append(ByteView data) = 0;
  // Stores everything appended under `name`, which must lie below the prefix given
  // to begin_put(). Call at most once.
  virtual void commit(const std::string& name) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Human-readable location for messages, e.g. "/srv/repo" or "mem:".
  virtual std::string location() const = 0;
  // True when every request crosses a network (object storage): callers then
  // keep a local metadata cache.
  virtual bool remote() const { return false; }

  // Stores an object atomically and durably: when put() returns, the object is
  // complete and survives a crash; a concurrent reader sees the old object, no
  // object, or the complete new one — never a partial one. Overwrites if present.
  // Throws Error(io) (disk full, permission, ...) naming the object.
  virtual void put(const std::string& name, ByteView data) = 0;

  // Stores an object like put() unless one is already there under `name`: returns
  // false and leaves the existing object untouched in that case (write-once
  // objects such as archived WAL segments). Two concurrent callers never both
  // succeed. Throws Error(io) as put() does.
  virtual bool put_if_absent(const std::string& name, ByteView data) = 0;

  // Starts an object below `prefix` (e.g. "data") to be named on commit. The
  // default buffers in memory and put()s on commit; backends that can stream
  // (local files) override it.
  virtual std::unique_ptr<ObjectWriter> begin_put(const std::string& prefix);

  // Whole object. Throws Error(not_found) if absent, Error(io) on read failure.
  virtual Bytes get(const std::string& name) = 0;

  // `length` bytes from `offset`. Throws Error(integrity) if the object is shorter
  // (truncated), Error(not_found) if absent, Error(io) on read failure.
  virtual Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) = 0;

  // Size of an object, or nullopt if absent.
  virtual std::optional<uint64_t> stat(const std::string& name) = 0;

  // All complete objects whose name starts with `prefix + "/"`, recursively
  // (e.g. list("data") returns "data/ab/..." names). Temporary files of
  // in-progress puts are never listed. Order unspecified.
  virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;

  // Removes an object; removing an absent object is not an error.
  virtual void remove(const std::string& name) = 0;

  // Whether objects below `prefix` (e.g. "locks") can be stored, found without
  // storing one: 0 when they can, or when only a write would tell (object storage:
  // a refused PUT carries EACCES in Error::sys_errno()); else the errno value a
  // write would fail with — EROFS (a read-only mount), EACCES (no write
  // permission). Never throws.
  virtual int write_refusal(const std::string& prefix) {
    (void)prefix;
    return 0;
  }

  // Removes leftovers of interrupted puts (temporary files); returns how many.
  // Only safe while holding the repository's exclusive lock.
  virtual size_t remove_stale_temporaries() { return 0; }

  // Creates what the repository lives in when it does not exist yet (an S3
  // bucket); true if something was created. Only `init` calls it. Local
  // directories are created by the first put, so the default does nothing.
  virtual bool create_root() { return false; }

  // Storage tiers are an optional capability, not part of this interface:
  // storage/tiering.h (StorageClasses, TierDirectories).
};

// The job a backend serves: its clock (retry pauses, ages of temporary files) and
// its cancellation (a retry pause ends early and throws Error(interrupted)).
struct BackendContext {
  const Clock* clock = &system_clock();
  CancelToken cancel;
};

// Opens a backend for a repository location: a local directory path (optionally
// "local:/path") or "s3:http[s]://HOST[:PORT]/BUCKET[/PREFIX]" (credentials and
// options from the environment, see S3Options). Does not create anything.
std::unique_ptr<Backend> open_backend(const std::string& location, const BackendContext& context = {});

}  // namespace strata::storage
