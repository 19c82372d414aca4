// Finding a backend's tier capabilities (see tiering.h).
#include "storage/tiering.h"

#include "common/error.h"
#include "storage/backend.h"

namespace strata::storage {

StorageClasses& storage_classes_of(Backend& backend) {
  if (auto* c = dynamic_cast<StorageClasses*>(&backend)) return *c;
  throw Error(ExitCode::usage,
              backend.location() + ": cannot move objects between tiers: this backend has neither storage classes "
                                   "nor tier directories");
}

TierDirectories& tier_directories_of(Backend& backend) {
  if (auto* d = dynamic_cast<TierDirectories*>(&backend)) return *d;
  throw Error(ExitCode::usage, backend.location() + ": tier directories are for repositories on a local disk" +
                                   (backend.remote() ? " (object storage tiers are storage classes)" : ""));
}

}  // namespace strata::storage
