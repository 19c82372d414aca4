// An opened repository: its config, its keys, the blob index, and the operations on
// blobs (save with dedup into packs, load and verify) and on sealed metadata objects.
// Everything goes through storage::Backend; this class never touches a file path.
//
// Commit order (crash safety): a pack is stored durably before any index file names
// it; index files are written before the snapshot that needs them (flush()).
#pragma once
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/key_slot.h"
#include "repo/blob.h"
#include "repo/chunker.h"
#include "repo/master_index.h"
#include "repo/metadata_cache.h"
#include "repo/pack_uploader.h"
#include "repo/repo_config.h"
#include "repo/sealed_object.h"
#include "storage/backend.h"

namespace strata::repo {

struct InitOptions {
  int format_version = kFormatVersion;  // 1 only to make old-format repositories (tests)
  ChunkerParams chunker;
  int compression_level = 3;
  uint32_t pack_size = 16 * 1024 * 1024;
  crypto::Argon2Params kdf;
  // Use this master key instead of a new one (a repository meant to receive
  // copies of another's packs without re-encryption: `init --copy-master-from`).
  std::optional<crypto::MasterKey> master;
  const Clock* clock = &system_clock();  // the config's creation time
};

struct WriteStats {
  std::atomic<uint64_t> blobs_added{0};
  std::atomic<uint64_t> raw_bytes_added{0};     // plaintext of new blobs
  std::atomic<uint64_t> stored_bytes_added{0};  // pack bytes written
  std::atomic<uint64_t> packs_written{0};
};

class Repository {
 public:
  // Creates a repository on an empty backend with a first key slot for `secret`.
  // Throws Error(repo_exists) if a config is already there.
  static void init(storage::Backend& backend, const crypto::Secret& secret,
                   const InitOptions& options, const crypto::SlotInfo& slot_info);

  // Opens an existing repository: Error(repo_missing) when there is no config,
  // Error(wrong_key) when no key slot matches, Error(integrity) on a tampered config.
  static std::unique_ptr<Repository> open(std::unique_ptr<storage::Backend> backend,
                                          const crypto::Secret& secret);

  storage::Backend& backend() { return *backend_; }
  // The clock that dates and ages this process's locks (the system clock unless
  // the opener sets another, e.g. a test's FakeClock). Set before taking a lock.
  const Clock& clock() const { return *clock_; }
  void set_clock(const Clock& clock) { clock_ = &clock; }
  // Keeps index files, snapshots and tree packs in `store` as well (a local
  // directory for a remote repository); see MetadataCache.
  void attach_cache(std::unique_ptr<storage::Backend> store);
  MetadataCache* cache() { return cache_.get(); }
  const RepoConfig& config() const { return config_; }
  const crypto::KeySet& keys() const { return keys_; }
  const crypto::MasterKey& master_key() const { return master_; }
  const std::string& slot_id() const { return slot_id_; }
  const crypto::Aead& aead() const { return *aead_; }
  const Chunker& chunker() const { return *chunker_; }
  // Keyed id of a blob: HMAC-SHA-256 under the id key for data, under a separate
  // tree-id key for trees, so a file can never share an id with a tree.
  BlobId blob_id(ByteView plaintext, BlobType type = BlobType::data) const {
    return type == BlobType::tree ? tree_mac_->mac(plaintext) : id_mac_->mac(plaintext);
  }

  // --- index
  // Every pack named by the index files with the entries listed for it (the first
  // listing wins when several index files name the same pack).
  using PackListing = std::map<PackId, std::vector<PackEntry>>;

  // Loads every index file; throws Error(integrity) naming the first unreadable one
  // unless `problems` is given, in which case each problem is appended there. With
  // `listing`, also returns the packs as the index files list them (check, prune).
  void load_index(std::vector<std::string>* problems = nullptr, PackListing* listing = nullptr);
  MasterIndex& index() { return *index_; }
  // Index files loaded or written by this process (not for use during a backup).
  const std::vector<std::string>& loaded_index_files() const { return index_files_; }

  // --- blobs
  // Blobs of different streams (0 .. kPackStreams-1) go to different open packs,
  // so that what one producer stores stays together: a backup's walkers each
  // fill their own packs, which keeps a subtree's blobs in few packs for restore
  // and keeps prune from repacking packs that mix unrelated data.
  static constexpr int kPackStreams = 2;
  // Stores a blob unless the index already has it (thread-safe). Returns true if new.
  // `force` stores it even if indexed (prune's repacking).
  bool save_blob(BlobType type, const BlobId& id, ByteView plaintext, bool force = false,
                 int stream = 0);
  // Writes partly filled packs and an index file for every pack not yet indexed.
  // Call with no save_blob() running.
  void flush();
  // Loads, authenticates and decompresses a blob (thread-safe). Throws
  // Error(integrity) naming blob and pack when missing or corrupt.
  Bytes load_blob(const BlobId& id, BlobType type);
  // For readers that fetch neighbouring blobs with one read (restore): `length`
  // stored bytes at `offset` of an indexed pack, and the opening of one blob from
  // its stored bytes. Errors as load_blob's (integrity names blob and pack).
  Bytes read_pack_range(uint32_t pack, uint64_t offset, uint64_t length);
  Bytes open_blob(const BlobId& id, BlobType type, const BlobLocation& loc, ByteView sealed);
  WriteStats& write_stats() { return stats_; }

  // --- sealed metadata objects, named by the SHA-256 of their stored bytes
  std::string save_object(ObjectKind kind, ByteView plaintext);
  Bytes load_object(ObjectKind kind, const std::string& id);
  std::vector<std::string> list_objects(ObjectKind kind);
  // Writes an index file for `packs` (used by prune) and returns its id.
  std::string write_index_file(const std::vector<IndexedPack>& packs);

  static std::string pack_name(const PackId& id);
  // The pack id of an object name "data/ab/<64 hex>", or nullopt for anything else.
  static std::optional<PackId> pack_id_from_name(const std::string& name);
  static std::string object_name(ObjectKind kind, const std::string& id);

 private:
  // A pack being written: sealed blobs collect in `pending` and go to the
  // backend's writer a megabyte at a time, the pack's id (SHA-256 by its
  // version's rule: of every byte, or of preamble, sealed header and trailer) is
  // hashed on the way, and the header and trailer follow when it is full. Pieces
  // are taken in order under the type's packers_mu_ and written under io_mu
  // (locked before packers_mu_ is released), so writes keep their order while
  // other workers go on sealing.
  struct Packer {
    BlobType type;
    bool hash_blobs = false;  // pack version 1: the name covers every byte
    uint64_t serial = 0;  // tells packers apart (a freed one's address may be reused)
    std::unique_ptr<storage::ObjectWriter> out;
    crypto::Sha256Stream hash;
    std::mutex io_mu;
    std::atomic<bool> failed{false};  // a piece could not be written: unusable
    std::exception_ptr failure;       // why (set under io_mu before `failed`)
    uint64_t size = 0;  // bytes of the pack so far, pending included
    RawBytes pending;   // sealed bytes not yet handed to `out` (grown unzeroed)
    RawBytes spare;     // the buffer of the last piece written (under io_mu)
    Bytes cache_copy;   // a tree pack's bytes for the metadata cache
    std::vector<PackEntry> entries;
  };
  Repository() = default;
  std::unique_ptr<Packer> new_packer(BlobType type);
  // Hashes and writes a piece of the pack (caller holds io_mu).
  void write_piece(Packer& p, ByteView piece);
  // Releases the blob reservations of a pack that will not be stored, so that a
  // retry stores its blobs again.
  void release_blobs(Packer& p);
  // Drops an unfinished pack (release_blobs, then the packer goes).
  void discard(std::unique_ptr<Packer>& p);
  // Finishes and commits a pack, indexes it in memory, and queues it for the next
  // index file; resets `p`. On a remote backend the commit (the upload) runs on
  // uploader_ and write_pack returns once it has started.
  void write_pack(std::unique_ptr<Packer>& p);
  // The second half of write_pack: commits the finished pack `id`, then indexes
  // it. On failure its blobs are released (a retry stores them again).
  void commit_pack(Packer& p, const PackId& id);
  void write_pending_index(bool force);
  // get_range of an indexed pack; its absence is Error(integrity).
  Bytes read_indexed_range(const std::string& pack, uint64_t offset, uint64_t length);
  // A tree blob through the metadata cache: the whole pack is fetched into it
  // on the first miss (one request instead of one per tree).
  std::optional<Bytes> load_cached_tree(const BlobId& id, const BlobLocation& loc, const std::string& pack);

  std::unique_ptr<storage::Backend> backend_;
  const Clock* clock_ = &system_clock();
  std::unique_ptr<MetadataCache> cache_;
  std::mutex tree_fetch_mu_;  // one download of a tree pack at a time
  RepoConfig config_;
  crypto::MasterKey master_;
  crypto::KeySet keys_;
  std::string slot_id_;
  std::unique_ptr<crypto::Aead> aead_;
  std::unique_ptr<crypto::HmacSha256> id_mac_;
  std::unique_ptr<crypto::HmacSha256> tree_mac_;
  std::unique_ptr<Chunker> chunker_;
  std::unique_ptr<MasterIndex> index_ = std::make_unique<MasterIndex>();
  std::mutex index_files_mu_;  // write_index_file runs on backup workers
  std::vector<std::string> index_files_;

  // One open pack per blob type and stream; memory holds about two megabytes per
  // open pack plus a blob in flight, whatever the pack size.
  std::mutex packers_mu_[2][kPackStreams];
  std::unique_ptr<Packer> open_packs_[2][kPackStreams];
  std::atomic<uint64_t> packers_made_{0};
  std::mutex pending_mu_;
  std::vector<IndexedPack> unindexed_packs_;
  WriteStats stats_;
  // Remote backends only; last, so that running uploads end before the members
  // they use go away.
  std::unique_ptr<PackUploader> uploader_;
};

}  // namespace strata::repo
