// Repository creation (see init.h).
#include "app/init.h"

#include <unistd.h>

#include "app/key_file_io.h"
#include "common/error.h"
#include "storage/backend.h"

namespace strata::app {
namespace {

// The secret of the first slot, generating its key file if asked to.
crypto::Secret first_secret(const InitRequest& request) {
  if (request.generate_key_file.empty()) return load_secret(request.access);
  std::string contents = crypto::generate_key_file();
  crypto::Secret secret;
  secret.kind = crypto::Secret::Kind::key_file;
  secret.key_file_bytes = crypto::parse_key_file(contents);
  write_new_key_file(request.generate_key_file, contents);
  return secret;
}

}  // namespace

InitResult init_repository(const InitRequest& request, Job& job) {
  if (request.access.location.empty())
    throw Error(ExitCode::usage, "no repository given: use --repo or STRATA_REPOSITORY");
  auto backend = storage::open_backend(request.access.location, {job.clock, job.cancel});
  InitResult result;
  result.created_bucket = backend->create_root();
  result.location = backend->location();
  if (backend->stat("config"))
    throw Error(ExitCode::repo_exists, "a repository already exists at " + backend->location());
  repo::InitOptions opts = request.options;
  opts.clock = job.clock;
  if (!request.share_master_of.location.empty()) {
    auto other = open_repository(request.share_master_of, job);
    opts.master = other->master_key();
    opts.chunker = other->config().chunker;
    opts.format_version = other->config().version;
  }
  crypto::Secret secret = first_secret(request);
  try {
    repo::Repository::init(*backend, secret, opts, make_slot_info("first key", job.now_ns()));
  } catch (...) {
    if (!request.generate_key_file.empty()) ::unlink(request.generate_key_file.c_str());
    throw;
  }
  return result;
}

}  // namespace strata::app
