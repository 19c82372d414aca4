// Creating a repository: its first key slot (a passphrase, a given key file, or a
// key file generated here) and its configuration, optionally sharing the master key
// and chunker of another repository so that copies between them move packs as stored.
#pragma once
#include <string>

#include "app/repository_access.h"
#include "repo/repository.h"

namespace strata::app {

struct InitRequest {
  RepositoryAccess access;         // where, and the secret of the first slot
  repo::InitOptions options;       // compression, pack size, chunker, KDF
  std::string generate_key_file;   // write a new key file (0600) and use it instead
  RepositoryAccess share_master_of;  // location non-empty: copy its master key and chunker
};

struct InitResult {
  std::string location;
  bool created_bucket = false;  // object storage: the bucket did not exist
};

// Error(repo_exists) when a repository is already there; a generated key file is
// removed again when the repository could not be created.
InitResult init_repository(const InitRequest& request, Job& job);

}  // namespace strata::app
