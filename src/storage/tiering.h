// Optional capabilities a backend may offer besides storage::Backend: keeping
// objects in storage tiers. Object storage moves an object to another storage
// class in place (S3Backend); a local repository moves packs between tier
// directories on other disks (TieredBackend). Backends without tiers (memory,
// fault injection, a plain directory) implement neither, so the Backend interface
// every layer depends on stays what every backend can do.
#pragma once
#include <map>
#include <string>

namespace strata::storage {

class Backend;

class StorageClasses {
 public:
  virtual ~StorageClasses() = default;
  // Moves an object to another storage class (or tier directory) in place; the
  // object reads the same before, during and after. Errors as Backend::put.
  virtual void set_storage_class(const std::string& name, const std::string& storage_class) = 0;
};

class TierDirectories {
 public:
  virtual ~TierDirectories() = default;
  // Registers directories (tier name -> absolute path) that packs may be moved
  // to, recorded in the repository before anything moves.
  virtual void set_tier_directories(const std::map<std::string, std::string>& dirs) = 0;
};

// The capability of `backend`, or Error(usage) naming its location and why it has
// none (a plain directory without tiers, object storage asked for directories, …).
StorageClasses& storage_classes_of(Backend& backend);
TierDirectories& tier_directories_of(Backend& backend);

}  // namespace strata::storage
