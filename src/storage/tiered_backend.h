// A local repository whose packs may live in tier directories besides the
// repository directory (warm, cold, archive — each can be a different mount).
// The repository directory is the hot tier: every write lands there, and
// metadata never leaves it. `set_storage_class(pack, "cold")` moves a pack to the
// cold directory; reads, listings and removals look in every tier, so the engine
// above never knows where a pack lives.
//
// The registered directories are recorded in the repository directory itself
// (object "tier-directories", one "<tier> <absolute path>" line each) so that a
// restore or check run without any configuration still finds every pack.
// Moving is copy (synced) then remove: a crash in between leaves the pack in two
// tiers, both complete; listings report it once (the hotter copy) and the next
// move finishes the job.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/local_backend.h"
#include "storage/tiering.h"

namespace strata::storage {

class TieredBackend : public Backend, public StorageClasses, public TierDirectories {
 public:
  static constexpr const char* kTierFile = "tier-directories";
  static constexpr const char* kHot = "hot";

  // Reads the tier file of `root` if there is one. Throws Error(integrity) naming
  // the file when it cannot be parsed.
  // `clock` judges the age of temporary files (see LocalBackend).
  explicit TieredBackend(std::string root, const Clock& clock = system_clock());

  std::string location() const override { return root_.location(); }
  void put(const std::string& name, ByteView data) override { root_.put(name, data); }
  bool put_if_absent(const std::string& name, ByteView data) override { return root_.put_if_absent(name, data); }
  std::unique_ptr<ObjectWriter> begin_put(const std::string& prefix) override { return root_.begin_put(prefix); }
  Bytes get(const std::string& name) override;
  Bytes get_range(const std::string& name, uint64_t offset, uint64_t length) override;
  std::optional<uint64_t> stat(const std::string& name) override;
  // Objects of the repository directory and of every tier directory; with tiers
  // registered, ObjectInfo.storage_class names the tier ("hot" for the
  // repository directory), "" otherwise.
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& name) override;
  size_t remove_stale_temporaries() override;
  // Every write lands in the repository directory: its answer.
  int write_refusal(const std::string& prefix) override { return root_.write_refusal(prefix); }
  // Moves a pack ("data/...") to the tier `storage_class` ("hot" or a registered
  // tier). Throws Error(usage) for an unregistered tier or a non-pack object,
  // Error(io) when the tier directory is missing (an unmounted disk) or a write
  // fails — the pack then stays where it was.
  void set_storage_class(const std::string& name, const std::string& storage_class) override;
  // Registers tier directories (tier name -> absolute path) and records them in
  // the tier file before anything moves. A tier whose directory changes, or that
  // is left out, must hold no packs any more (Error(usage) otherwise, with the
  // count); each directory's parent must exist (so an unmounted disk is not
  // silently replaced by a directory on the root file system).
  void set_tier_directories(const std::map<std::string, std::string>& dirs) override;

  // The registered tiers, tier name -> path.
  std::map<std::string, std::string> tier_directories() const;

 private:
  struct Tier {
    std::string name;
    std::string path;
    std::unique_ptr<LocalBackend> backend;
  };
  // The backends that may hold `name`, hottest first (only packs are tiered).
  std::vector<Backend*> holders(const std::string& name);
  Backend& tier_backend(const std::string& tier_name);  // throws Error(usage) if unknown
  void load_tier_file();

  LocalBackend root_;
  std::vector<Tier> tiers_;
};

}  // namespace strata::storage
