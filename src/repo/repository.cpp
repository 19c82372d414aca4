// Repository open/init, blob storage into packs, blob loading, metadata objects.
#include "repo/repository.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <set>

#include "common/error.h"
#include "common/time_util.h"
#include "crypto/random.h"

namespace strata::repo {

namespace {
constexpr size_t kIndexEveryPacks = 32;  // bounded work lost if a backup is killed
constexpr size_t kPackPiece = 1024 * 1024;  // sealed bytes handed to the writer at once
// Packs uploading at once to a remote backend (each holds its bytes until done).
constexpr size_t kUploadsInFlight = 4;
const char* kPackHeaderAad = "strata/v1/pack-header";

std::string id_of_bytes(ByteView data) { return to_hex(crypto::sha256(data)); }
}  // namespace

std::string Repository::pack_name(const PackId& id) {
  std::string hex = to_hex(id);
  return "data/" + hex.substr(0, 2) + "/" + hex;
}

std::string Repository::object_name(ObjectKind kind, const std::string& id) {
  return std::string(object_dir(kind)) + "/" + id;
}

void Repository::init(storage::Backend& backend, const crypto::Secret& secret,
                      const InitOptions& options, const crypto::SlotInfo& slot_info) {
  if (backend.stat("config"))
    throw Error(ExitCode::repo_exists,
                "a repository already exists at " + backend.location() + " (config present)");
  // Validates the chunker parameters before anything is written.
  Chunker probe(options.chunker, as_bytes("probe"));
  if (options.compression_level < 0 || options.compression_level > 19)
    throw Error(ExitCode::usage, "compression level must be 0..19");
  if (options.pack_size < 1024 * 1024 || options.pack_size > 1024u * 1024 * 1024)
    throw Error(ExitCode::usage, "pack size must be between 1 MiB and 1024 MiB");
  if (options.chunker.max_size > 64u * 1024 * 1024)
    throw Error(ExitCode::usage, "maximum chunk size must be at most 64 MiB");
  if (uint64_t{options.chunker.max_size} + 4096 > options.pack_size)
    throw Error(ExitCode::usage, "pack size must exceed the maximum chunk size");

  crypto::MasterKey master = options.master ? *options.master : crypto::MasterKey::generate();
  crypto::KeySet keys = crypto::KeySet::derive(master);
  if (options.format_version < 1 || options.format_version > kFormatVersion)
    throw Error(ExitCode::usage, "repository format version must be 1.." + std::to_string(kFormatVersion));
  RepoConfig cfg;
  cfg.version = options.format_version;
  cfg.id = to_hex(crypto::random_bytes(32));
  cfg.created = format_rfc3339(options.clock->now_ns());
  cfg.chunker = options.chunker;
  cfg.compression_level = options.compression_level;
  cfg.pack_size = options.pack_size;

  // Key slot first, config last: a repository without config does not exist yet,
  // so an interrupted init can simply be repeated.
  std::string slot = crypto::make_slot(master, secret, slot_info, options.kdf);
  backend.put("keys/" + id_of_bytes(as_bytes(slot)), as_bytes(slot));
  backend.put("config", as_bytes(cfg.to_json(keys.config_key)));
}

std::unique_ptr<Repository> Repository::open(std::unique_ptr<storage::Backend> backend,
                                             const crypto::Secret& secret) {
  std::unique_ptr<Repository> repo(new Repository());
  Bytes config_text;
  try {
    config_text = backend->get("config");
  } catch (const Error& e) {
    if (e.code() == ExitCode::not_found)
      throw Error(ExitCode::repo_missing,
                  "no repository at " + backend->location() +
                      " (no config object); create one with 'strata init'");
    throw;
  }
  std::string mac_hex, authenticated;
  repo->config_ = RepoConfig::parse(to_string(config_text), backend->location() + "/config", mac_hex, authenticated);

  auto slots = backend->list("keys");
  std::sort(slots.begin(), slots.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  bool found = false;
  std::string malformed;
  for (const auto& s : slots) {
    std::optional<crypto::MasterKey> mk;
    try {
      std::string text = to_string(backend->get(s.name));
      mk = crypto::open_slot(text, secret);
    } catch (const Error& e) {
      malformed += (malformed.empty() ? "" : ", ") + s.name;
      continue;  // a malformed slot cannot match; others may
    }
    if (mk) {
      repo->master_ = *mk;
      repo->slot_id_ = s.name.substr(5);
      found = true;
      break;
    }
  }
  if (!found)
    throw Error(ExitCode::wrong_key,
                std::string("no key slot matches the given ") +
                    (secret.kind == crypto::Secret::Kind::key_file ? "key file" : "passphrase") +
                    " (" + std::to_string(slots.size()) + " slot(s) in " + backend->location() +
                    "/keys" + (malformed.empty() ? "" : "; malformed, possibly corrupt: " + malformed) +
                    ")");
  repo->keys_ = crypto::KeySet::derive(repo->master_);
  auto mac = crypto::hmac_sha256(repo->keys_.config_key, as_bytes(authenticated));
  if (to_hex(mac) != mac_hex)
    throw Error(ExitCode::integrity,
                backend->location() + "/config: authentication failed (tampered or corrupt)");
  repo->aead_ = std::make_unique<crypto::Aead>(repo->keys_.data_key);
  repo->id_mac_ = std::make_unique<crypto::HmacSha256>(repo->keys_.id_key);
  auto tree_key = crypto::hmac_sha256(repo->keys_.id_key, as_bytes("strata/v1/tree-id-key"));
  repo->tree_mac_ = std::make_unique<crypto::HmacSha256>(ByteView(tree_key.data(), tree_key.size()));
  repo->chunker_ = std::make_unique<Chunker>(repo->config_.chunker, repo->keys_.chunker_key);
  repo->backend_ = std::move(backend);
  if (repo->backend_->remote()) repo->uploader_ = std::make_unique<PackUploader>(kUploadsInFlight);
  return repo;
}

std::optional<PackId> Repository::pack_id_from_name(const std::string& name) {
  Bytes raw;
  std::string base = name.substr(name.rfind('/') + 1);
  if (!from_hex(base, raw) || raw.size() != 32) return std::nullopt;
  PackId id{};
  std::copy(raw.begin(), raw.end(), id.begin());
  return id;
}

void Repository::load_index(std::vector<std::string>* problems, PackListing* listing) {
  index_ = std::make_unique<MasterIndex>();
  index_files_.clear();
  std::set<std::string> tree_packs;  // for the metadata cache
  for (const auto& id : list_objects(ObjectKind::index)) {
    std::vector<IndexedPack> packs;
    try {
      Bytes plain = load_object(ObjectKind::index, id);
      std::string reason;
      if (!parse_index(plain, packs, reason))
        throw Error(ExitCode::integrity, object_name(ObjectKind::index, id) + ": " + reason);
    } catch (const Error& e) {
      if (!problems || e.code() != ExitCode::integrity) throw;
      problems->push_back(e.what());
      continue;
    }
    for (auto& p : packs) {
      if (cache_ && !p.blobs.empty() && p.blobs.front().type == BlobType::tree) tree_packs.insert(pack_name(p.id));
      index_->add_pack(p.id, p.blobs);
      if (listing) listing->try_emplace(p.id, std::move(p.blobs));
    }
    index_files_.push_back(id);
  }
  if (cache_ && (!problems || problems->empty())) cache_->retain("data", tree_packs);
}

void Repository::attach_cache(std::unique_ptr<storage::Backend> store) {
  cache_ = std::make_unique<MetadataCache>(std::move(store));
}

std::optional<Bytes> Repository::load_cached_tree(const BlobId& id, const BlobLocation& loc,
                                                  const std::string& pack) {
  auto open_cached = [&]() -> std::optional<Bytes> {
    auto sealed = cache_->get_range(pack, loc.offset, loc.stored_len);
    if (!sealed) return std::nullopt;
    Bytes out;
    if (decode_blob(*aead_, id, BlobType::tree, loc.flags, *sealed, loc.raw_len, out)) return out;
    cache_->remove(pack);  // damaged copy: the repository decides
    return std::nullopt;
  };
  if (auto hit = open_cached()) return hit;
  std::lock_guard lock(tree_fetch_mu_);
  if (auto hit = open_cached()) return hit;  // another thread fetched it meanwhile
  Bytes whole;
  try {
    whole = backend_->get(pack);
  } catch (const Error& e) {
    if (e.code() != ExitCode::not_found) throw;
    throw Error(ExitCode::integrity, backend_->location() + "/" + pack + ": pack named by the index is missing");
  }
  cache_->put(pack, whole);
  return open_cached();
}

std::unique_ptr<Repository::Packer> Repository::new_packer(BlobType type) {
  auto p = std::make_unique<Packer>();
  p->type = type;
  p->serial = ++packers_made_;
  p->out = backend_->begin_put("data");
  const uint8_t version = pack_version_for_format(config_.version);
  p->hash_blobs = pack_name_hashes_blobs(version);
  Bytes preamble = pack_preamble(version);
  append(p->pending, preamble);
  if (!p->hash_blobs) p->hash.update(preamble);  // hashed with the blobs otherwise
  p->size = p->pending.size();
  return p;
}

void Repository::write_piece(Packer& p, ByteView piece) {
  // Every later writer reports the first failure (say, the disk is full), not a
  // consequence of it.
  if (p.failed) std::rethrow_exception(p.failure);
  try {
    if (p.hash_blobs) p.hash.update(piece);
    p.out->append(piece);
    if (cache_ && p.type == BlobType::tree) append(p.cache_copy, piece);
  } catch (...) {
    p.failure = std::current_exception();
    p.failed = true;
    throw;
  }
}

void Repository::release_blobs(Packer& p) {
  // No piece of it is being written once io_mu is ours; no new one can start
  // (the caller owns the packer: it was taken out of open_packs_ or under packers_mu_).
  std::lock_guard<std::mutex> io(p.io_mu);
  for (const auto& e : p.entries) index_->unreserve(e.id);
}

void Repository::discard(std::unique_ptr<Packer>& p) {
  release_blobs(*p);
  p.reset();  // after the lock is released: the mutex goes with the packer
}

bool Repository::save_blob(BlobType type, const BlobId& id, ByteView plaintext, bool force,
                           int stream) {
  if (!index_->reserve(id, type) && !force) return false;
  try {
    // Compressed outside the lock; sealed and handed to the pack's writer under it
    // (AES-GCM runs at gigabytes per second and the writer moves whole megabytes
    // to the disk at a time, so the lock is held briefly and a pack never sits in
    // memory).
    BlobPayload payload = compress_blob(plaintext, config_.compression_level);
    std::unique_ptr<Packer> full;
    Packer* writing = nullptr;  // its io_mu is held and `piece` goes out next
    uint64_t writing_serial = 0;
    RawBytes piece;
    const int t = static_cast<int>(type);
    const int st = stream >= 0 && stream < kPackStreams ? stream : 0;
    {
      std::lock_guard<std::mutex> lock(packers_mu_[t][st]);
      if (open_packs_[t][st] && open_packs_[t][st]->failed) discard(open_packs_[t][st]);
      if (!open_packs_[t][st]) open_packs_[t][st] = new_packer(type);
      Packer& p = *open_packs_[t][st];
      PackEntry e;
      e.id = id;
      e.type = type;
      e.flags = payload.flags;
      e.offset = static_cast<uint32_t>(p.size);
      e.raw_len = static_cast<uint32_t>(plaintext.size());
      size_t before = p.pending.size();
      seal_blob(*aead_, id, type, payload, p.pending);
      e.stored_len = static_cast<uint32_t>(p.pending.size() - before);
      p.size += e.stored_len;
      p.entries.push_back(e);
      if (p.size >= config_.pack_size) {
        full = std::move(open_packs_[t][st]);
      } else if (p.pending.size() >= kPackPiece) {
        // Taken in order under the pack lock, written outside it: the other
        // workers keep sealing while this one waits for the disk.
        p.io_mu.lock();
        piece = std::move(p.pending);
        p.pending = std::move(p.spare);
        p.pending.clear();
        writing = &p;
        writing_serial = p.serial;
      }
    }
    stats_.blobs_added++;
    stats_.raw_bytes_added += plaintext.size();
    if (writing) {
      std::exception_ptr failure;
      {
        std::lock_guard<std::mutex> io(writing->io_mu, std::adopt_lock);
        try {
          write_piece(*writing, piece);
        } catch (...) {
          failure = std::current_exception();
        }
        writing->spare = std::move(piece);
      }
      if (failure) {
        // Dropped now, so that a retry of its blobs stores them again (unless a
        // worker already took it to finish: write_pack drops it then, and
        // `writing` may be gone — only its serial number is compared).
        std::lock_guard<std::mutex> lock(packers_mu_[t][st]);
        if (open_packs_[t][st] && open_packs_[t][st]->serial == writing_serial) discard(open_packs_[t][st]);
        std::rethrow_exception(failure);
      }
    }
    if (full) {
      write_pack(full);
      write_pending_index(false);
    }
  } catch (...) {
    index_->unreserve(id);
    throw;
  }
  return true;
}

void Repository::write_pack(std::unique_ptr<Packer>& p) {
  if (p->entries.empty()) {
    p.reset();
    return;
  }
  PackId id;
  try {
    std::lock_guard<std::mutex> io(p->io_mu);  // every earlier piece is out
    Bytes header = encode_pack_header(p->entries);
    Bytes tail;
    aead_->seal_append(header, as_bytes(kPackHeaderAad), tail);
    append(tail, pack_trailer(static_cast<uint32_t>(tail.size())));
    if (!p->hash_blobs) p->hash.update(tail);
    p->size += tail.size();
    append(p->pending, tail);
    write_piece(*p, p->pending);
    id = p->hash.finish();
  } catch (...) {
    // The pack is lost (io_mu is released by now): release its blobs so a retry
    // stores them again.
    discard(p);
    throw;
  }
  if (uploader_) {
    std::shared_ptr<Packer> finished(std::move(p));
    try {
      uploader_->submit([this, finished, id] { commit_pack(*finished, id); });
    } catch (...) {  // an earlier upload failed: this pack is not written either
      release_blobs(*finished);
      throw;
    }
    return;
  }
  commit_pack(*p, id);
  p.reset();
}

void Repository::commit_pack(Packer& p, const PackId& id) {
  try {
    p.out->commit(pack_name(id));  // durable before any index names it
    if (cache_ && p.type == BlobType::tree) cache_->put(pack_name(id), p.cache_copy);
  } catch (...) {
    release_blobs(p);
    throw;
  }
  stats_.stored_bytes_added += p.size;
  stats_.packs_written++;
  index_->add_pack(id, p.entries);
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    unindexed_packs_.push_back(IndexedPack{id, std::move(p.entries)});
  }
}

void Repository::write_pending_index(bool force) {
  std::vector<IndexedPack> packs;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    if (unindexed_packs_.empty() || (!force && unindexed_packs_.size() < kIndexEveryPacks)) return;
    packs.swap(unindexed_packs_);
  }
  try {
    write_index_file(packs);
  } catch (...) {
    // Keep them pending: the next flush must index them before any snapshot.
    std::lock_guard<std::mutex> lock(pending_mu_);
    unindexed_packs_.insert(unindexed_packs_.end(), std::make_move_iterator(packs.begin()),
                            std::make_move_iterator(packs.end()));
    throw;
  }
}

std::string Repository::write_index_file(const std::vector<IndexedPack>& packs) {
  std::string id = save_object(ObjectKind::index, encode_index(packs));
  std::lock_guard<std::mutex> lock(index_files_mu_);
  index_files_.push_back(id);
  return id;
}

void Repository::flush() {
  for (int t = 0; t < 2; ++t) {
    for (int st = 0; st < kPackStreams; ++st) {
      std::unique_ptr<Packer> p;
      {
        std::lock_guard<std::mutex> lock(packers_mu_[t][st]);
        p = std::move(open_packs_[t][st]);
      }
      if (p) write_pack(p);
    }
  }
  if (uploader_) uploader_->wait_all();  // every pack durable (or the first failure) before the index
  write_pending_index(true);
}

Bytes Repository::load_blob(const BlobId& id, BlobType type) {
  auto loc = index_->find(id);
  if (!loc)
    throw Error(ExitCode::integrity,
                std::string(blob_type_name(type)) + " blob " + to_hex(id) + " is not in the index");
  std::string pack = pack_name(index_->pack_id(loc->pack));
  if (loc->type != type)
    throw Error(ExitCode::integrity, "blob " + short_hex(id) + " in " + pack + " has type " +
                                         blob_type_name(loc->type) + ", expected " +
                                         blob_type_name(type));
  if (cache_ && type == BlobType::tree)
    if (auto tree = load_cached_tree(id, *loc, pack)) return std::move(*tree);
  Bytes sealed = read_indexed_range(pack, loc->offset, loc->stored_len);
  return open_blob(id, type, *loc, sealed);
}

Bytes Repository::read_indexed_range(const std::string& pack, uint64_t offset, uint64_t length) {
  try {
    return backend_->get_range(pack, offset, length);
  } catch (const Error& e) {
    // The index names it, so its absence is damage to the repository.
    if (e.code() != ExitCode::not_found) throw;
    throw Error(ExitCode::integrity, backend_->location() + "/" + pack + ": pack named by the index is missing");
  }
}

Bytes Repository::read_pack_range(uint32_t pack, uint64_t offset, uint64_t length) {
  return read_indexed_range(pack_name(index_->pack_id(pack)), offset, length);
}

Bytes Repository::open_blob(const BlobId& id, BlobType type, const BlobLocation& loc, ByteView sealed) {
  Bytes out;
  if (!decode_blob(*aead_, id, type, loc.flags, sealed, loc.raw_len, out))
    throw Error(ExitCode::integrity, std::string(blob_type_name(type)) + " blob " + short_hex(id) +
                                         " in " + pack_name(index_->pack_id(loc.pack)) +
                                         " fails authentication (corrupt data)");
  return out;
}

std::string Repository::save_object(ObjectKind kind, ByteView plaintext) {
  Bytes sealed = seal_object(*aead_, kind, plaintext);
  std::string id = id_of_bytes(sealed);
  backend_->put(object_name(kind, id), sealed);
  if (cache_ && kind != ObjectKind::lock) cache_->put(object_name(kind, id), sealed);
  return id;
}

Bytes Repository::load_object(ObjectKind kind, const std::string& id) {
  std::string name = object_name(kind, id);
  const bool cacheable = cache_ && kind != ObjectKind::lock;
  if (cacheable) {
    if (auto sealed = cache_->get(name)) {
      Bytes plain;
      if (id_of_bytes(*sealed) == id && open_object(*aead_, kind, *sealed, plain)) return plain;
      cache_->remove(name);  // damaged copy: read the repository's
    }
  }
  Bytes sealed = backend_->get(name);
  if (kind != ObjectKind::lock && id_of_bytes(sealed) != id)
    throw Error(ExitCode::integrity, name + ": content does not match its name (corrupt)");
  Bytes plain;
  if (!open_object(*aead_, kind, sealed, plain))
    throw Error(ExitCode::integrity, name + ": authentication failed (corrupt or foreign object)");
  if (cacheable) cache_->put(name, sealed);
  return plain;
}

std::vector<std::string> Repository::list_objects(ObjectKind kind) {
  std::vector<std::string> ids;
  std::string prefix = std::string(object_dir(kind)) + "/";
  std::set<std::string> names;
  for (const auto& o : backend_->list(object_dir(kind))) {
    ids.push_back(o.name.substr(prefix.size()));
    if (cache_) names.insert(o.name);
  }
  std::sort(ids.begin(), ids.end());
  if (cache_ && kind != ObjectKind::lock) cache_->retain(object_dir(kind), names);
  return ids;
}

}  // namespace strata::repo
