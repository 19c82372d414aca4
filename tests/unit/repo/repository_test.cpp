// Repository on a MemoryBackend: init/open with key file and passphrase slots,
// wrong secret, init twice, missing config, tampered config; save_blob/flush/
// load_blob round trips, dedup and write stats, reopen + load_index, a flipped
// pack byte detected naming the pack, sealed objects round trip and detect damage.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "repo/pack_format.h"
#include "repo/sealed_object.h"
#include "repo/snapshot.h"
#include "repo_test_util.h"

namespace strata::repo {
namespace {

using namespace testing;

TEST(RepositoryOpenTest, InitThenOpenWithKeyFile) {
  storage::MemoryBackend mem;
  auto secret = key_file_secret();
  Repository::init(mem, secret, small_options(), slot_info("keyfile"));
  EXPECT_TRUE(mem.stat("config").has_value());
  auto repo = Repository::open(view_of(mem), secret);
  EXPECT_EQ(repo->config().pack_size, 1024u * 1024);
  EXPECT_EQ(repo->config().chunker.avg_size, 64u * 1024);
  EXPECT_EQ(repo->config().id.size(), 64u);
  EXPECT_FALSE(repo->slot_id().empty());
  EXPECT_TRUE(mem.stat("keys/" + repo->slot_id()).has_value());
}

TEST(RepositoryOpenTest, PassphraseSlot) {
  storage::MemoryBackend mem;
  Repository::init(mem, passphrase_secret("correct horse"), small_options(),
                   slot_info("passphrase"));
  EXPECT_NO_THROW(Repository::open(view_of(mem), passphrase_secret("correct horse")));
  std::string msg;
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), passphrase_secret("wrong horse")); }, &msg),
            ExitCode::wrong_key);
  EXPECT_TRUE(contains(msg, "passphrase")) << msg;
}

TEST(RepositoryOpenTest, WrongKeyFile) {
  storage::MemoryBackend mem;
  Repository::init(mem, key_file_secret(), small_options(), slot_info("keyfile"));
  std::string msg;
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), key_file_secret()); }, &msg),
            ExitCode::wrong_key);
  EXPECT_TRUE(contains(msg, "key file")) << msg;
  // A passphrase never opens a key-file slot.
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), passphrase_secret("x")); }),
            ExitCode::wrong_key);
}

TEST(RepositoryOpenTest, InitTwiceRefused) {
  storage::MemoryBackend mem;
  auto secret = key_file_secret();
  Repository::init(mem, secret, small_options(), slot_info("keyfile"));
  size_t objects = mem.object_count();
  EXPECT_EQ(code_of([&] { Repository::init(mem, key_file_secret(), small_options(), slot_info("keyfile")); }),
            ExitCode::repo_exists);
  EXPECT_EQ(mem.object_count(), objects) << "a refused init must write nothing";
  EXPECT_NO_THROW(Repository::open(view_of(mem), secret));
}

TEST(RepositoryOpenTest, InitRejectsBadOptions) {
  storage::MemoryBackend mem;
  auto o = small_options();
  o.pack_size = 1000;
  EXPECT_EQ(code_of([&] { Repository::init(mem, key_file_secret(), o, slot_info("keyfile")); }),
            ExitCode::usage);
  o = small_options();
  o.chunker.avg_size = 100000;
  EXPECT_EQ(code_of([&] { Repository::init(mem, key_file_secret(), o, slot_info("keyfile")); }),
            ExitCode::usage);
  o = small_options();
  o.compression_level = 20;
  EXPECT_EQ(code_of([&] { Repository::init(mem, key_file_secret(), o, slot_info("keyfile")); }),
            ExitCode::usage);
  EXPECT_EQ(mem.object_count(), 0u);
}

TEST(RepositoryOpenTest, OpenWithoutConfig) {
  storage::MemoryBackend mem;
  std::string msg;
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), key_file_secret()); }, &msg),
            ExitCode::repo_missing);
  EXPECT_TRUE(contains(msg, "config")) << msg;
}

TEST(RepositoryOpenTest, TamperedConfigIsIntegrityError) {
  storage::MemoryBackend mem;
  auto secret = key_file_secret();
  Repository::init(mem, secret, small_options(), slot_info("keyfile"));
  Bytes original = mem.raw("config");
  auto j = nlohmann::json::parse(to_string(original));
  j["pack_size"] = 2 * 1024 * 1024;
  std::string text = j.dump(2);
  mem.put("config", as_bytes(text));
  std::string msg;
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), secret); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, "config")) << msg;

  j = nlohmann::json::parse(to_string(original));
  j["chunker"]["min_size"] = 1024;
  mem.put("config", as_bytes(j.dump()));
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), secret); }), ExitCode::integrity);

  mem.put("config", as_bytes("{not json"));
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), secret); }), ExitCode::integrity);

  // Reformatting alone (the MAC covers the canonical form) is accepted.
  j = nlohmann::json::parse(to_string(original));
  mem.put("config", as_bytes(j.dump(8)));
  EXPECT_NO_THROW(Repository::open(view_of(mem), secret));
}

TEST(RepositoryOpenTest, MalformedConfigIsOneLineNamingIt) {
  storage::MemoryBackend mem;
  auto secret = key_file_secret();
  Repository::init(mem, secret, small_options(), slot_info("keyfile"));
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "not valid JSON (syntax error at byte 3)"},
      {"[1]", "not a JSON object"},
      {R"({"format":"strata-repository","version":2})", "a required field is missing"},
      {R"({"format":"strata-repository","version":"2"})", "a field has the wrong type"},
  };
  for (const auto& [text, why] : cases) {
    mem.put("config", as_bytes(text));
    std::string msg;
    EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), secret); }, &msg), ExitCode::integrity);
    EXPECT_EQ(msg, std::string("repository config fault:mem:/config is corrupt: ") + why);
  }
}

TEST(RepositoryOpenTest, NewerFormatVersionRefused) {
  storage::MemoryBackend mem;
  auto secret = key_file_secret();
  Repository::init(mem, secret, small_options(), slot_info("keyfile"));
  auto j = nlohmann::json::parse(to_string(mem.raw("config")));
  j["version"] = kFormatVersion + 1;
  mem.put("config", as_bytes(j.dump()));
  std::string msg;
  EXPECT_EQ(code_of([&] { Repository::open(view_of(mem), secret); }, &msg), ExitCode::failure);
  EXPECT_TRUE(contains(msg, "newer")) << msg;
}

// The config example of docs/repository-format.md §15 (master key 00 01 .. 1f).
TEST(RepoConfigTest, WorkedExampleOfTheFormatDocument) {
  RepoConfig c;
  c.id = std::string(64, '0');
  c.created = "2026-01-01T00:00:00.000000000Z";
  const std::string canonical =
      R"({"chunker":{"algorithm":"fastcdc-keyed-gear","avg_size":1048576,"max_size":8388608,)"
      R"("min_size":524288},"compression":{"algorithm":"zstd","level":3},)"
      R"("created":"2026-01-01T00:00:00.000000000Z","format":"strata-repository",)"
      R"("id":"0000000000000000000000000000000000000000000000000000000000000000",)"
      R"("pack_size":16777216,"version":2})";
  EXPECT_EQ(c.canonical_json(), canonical);
  crypto::MasterKey master;
  for (size_t i = 0; i < master.secret.size(); ++i) master.secret[i] = static_cast<uint8_t>(i);
  auto keys = crypto::KeySet::derive(master);
  EXPECT_EQ(to_hex(crypto::hmac_sha256(keys.config_key, as_bytes(canonical))),
            "1bc3e7c6205d958730bba01b0afcd05e724ed103fff909b68914ce7d427c77ef");
}

TEST(RepositoryBlobTest, SaveFlushLoadRoundTrip) {
  TestRepo r;
  Bytes a = random_data(300000, 31), b = compressible_data(200000), empty;
  BlobId ia = r.save(BlobType::data, a), ib = r.save(BlobType::data, b);
  BlobId ie = r.save(BlobType::tree, empty);
  // Not yet flushed: not visible.
  EXPECT_FALSE(r->index().has(ia));
  r->flush();
  EXPECT_EQ(r->load_blob(ia, BlobType::data), a);
  EXPECT_EQ(r->load_blob(ib, BlobType::data), b);
  EXPECT_EQ(r->load_blob(ie, BlobType::tree), empty);
  EXPECT_EQ(r->write_stats().blobs_added, 3u);
  EXPECT_EQ(r->write_stats().raw_bytes_added, a.size() + b.size());
  EXPECT_EQ(r->write_stats().packs_written, 2u) << "one pack per blob type";
  EXPECT_EQ(r->list_objects(ObjectKind::index).size(), 1u);
  // Wrong type is an integrity error, not garbage.
  std::string msg;
  EXPECT_EQ(code_of([&] { r->load_blob(ia, BlobType::tree); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, "data/")) << msg;
  BlobId unknown = r->blob_id(as_bytes("never stored"));
  EXPECT_EQ(code_of([&] { r->load_blob(unknown, BlobType::data); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, to_hex(unknown))) << msg;
}

TEST(RepositoryBlobTest, BlobIdIsKeyed) {
  TestRepo r1, r2;
  Bytes d = compressible_data(1000);
  EXPECT_EQ(r1->blob_id(d), r1->blob_id(d));
  EXPECT_NE(r1->blob_id(d), r2->blob_id(d));
  EXPECT_NE(r1->blob_id(d), crypto::sha256(d));
}

TEST(RepositoryBlobTest, PackStreamsKeepTheirBlobsApart) {
  TestRepo r;
  std::vector<BlobId> by_stream[2];
  for (int i = 0; i < 6; ++i) {
    for (int st = 0; st < 2; ++st) {
      Bytes d = random_data(20000, 500 + i * 2 + st);
      BlobId id = r->blob_id(d);
      r->save_blob(BlobType::data, id, d, false, st);
      by_stream[st].push_back(id);
    }
  }
  r->flush();
  EXPECT_EQ(r->write_stats().packs_written, 2u) << "one open pack per stream";
  for (int st = 0; st < 2; ++st) {
    uint32_t pack = r->index().find(by_stream[st][0])->pack;
    for (const auto& id : by_stream[st]) EXPECT_EQ(r->index().find(id)->pack, pack);
    EXPECT_NE(r->index().find(by_stream[1 - st][0])->pack, pack);
  }
  // Out-of-range streams fall back to stream 0; the blob is stored all the same.
  Bytes d = random_data(1000, 999);
  BlobId id = r->blob_id(d);
  EXPECT_TRUE(r->save_blob(BlobType::data, id, d, false, 7));
  r->flush();
  EXPECT_EQ(r->load_blob(id, BlobType::data), d);
}

TEST(RepositoryBlobTest, DedupStoresOnce) {
  TestRepo r;
  Bytes a = random_data(50000, 32);
  BlobId id = r->blob_id(a);
  EXPECT_TRUE(r->save_blob(BlobType::data, id, a));
  EXPECT_FALSE(r->save_blob(BlobType::data, id, a)) << "in flight: not stored twice";
  r->flush();
  EXPECT_FALSE(r->save_blob(BlobType::data, id, a)) << "indexed: not stored twice";
  r->flush();
  EXPECT_EQ(r->write_stats().blobs_added, 1u);
  EXPECT_EQ(r->write_stats().packs_written, 1u);
  EXPECT_EQ(r->backend().list("data").size(), 1u);

  // After reopening, dedup works from the loaded index.
  r.reopen();
  EXPECT_FALSE(r->save_blob(BlobType::data, id, a));
  EXPECT_EQ(r->write_stats().blobs_added, 0u);
  r->flush();
  EXPECT_EQ(r->backend().list("data").size(), 1u);
  EXPECT_EQ(r->list_objects(ObjectKind::index).size(), 1u) << "empty flush writes no index";
}

TEST(RepositoryBlobTest, ManyBlobsAcrossPacksSurviveReopen) {
  TestRepo r;
  std::vector<std::pair<BlobId, Bytes>> blobs;
  for (int i = 0; i < 40; ++i) {
    Bytes d = random_data(100000, 100 + i);  // 4 MB of incompressible data: several packs
    blobs.emplace_back(r.save(BlobType::data, d), d);
  }
  r->flush();
  EXPECT_GE(r->write_stats().packs_written, 4u);
  r.reopen();
  EXPECT_EQ(r->index().blob_count(), blobs.size());
  for (const auto& [id, d] : blobs) EXPECT_EQ(r->load_blob(id, BlobType::data), d);
}

TEST(RepositoryBlobTest, FlippedPackByteNamesThePack) {
  TestRepo r;
  Bytes a = random_data(20000, 33), b = random_data(20000, 34);
  BlobId ia = r.save(BlobType::data, a), ib = r.save(BlobType::data, b);
  r->flush();
  auto loc = r->index().find(ib);
  ASSERT_TRUE(loc);
  std::string pack = Repository::pack_name(r->index().pack_id(loc->pack));
  r.mem.raw(pack)[loc->offset + 100] ^= 0x20;
  std::string msg;
  EXPECT_EQ(code_of([&] { r->load_blob(ib, BlobType::data); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, pack)) << msg;
  EXPECT_TRUE(contains(msg, short_hex(ib))) << msg;
  EXPECT_EQ(r->load_blob(ia, BlobType::data), a) << "other blobs of the pack still load";

  // A truncated pack is also an integrity error.
  Bytes& raw = r.mem.raw(pack);
  raw.resize(loc->offset + 10);
  EXPECT_EQ(code_of([&] { r->load_blob(ib, BlobType::data); }), ExitCode::integrity);
}

// Format 2 names a pack by the SHA-256 of its preamble, sealed header and trailer;
// format 1 (old repositories, still written in their own format) by all its bytes.
void expect_packs_named_by(int format_version) {
  InitOptions o = small_options();
  o.format_version = format_version;
  TestRepo r(o);
  EXPECT_EQ(r->config().version, format_version);
  Bytes a = random_data(150000, 41), b = compressible_data(90000);
  BlobId ia = r.save(BlobType::data, a);
  r.save(BlobType::data, b);
  r->flush();
  auto loc = r->index().find(ia);
  ASSERT_TRUE(loc);
  PackId id = r->index().pack_id(loc->pack);
  Bytes pack = r.mem.raw(Repository::pack_name(id));
  ASSERT_GT(pack.size(), kPackPreambleSize + kPackTrailerSize);
  EXPECT_EQ(pack[4], format_version == 1 ? kPackVersionFullHash : kPackVersionFramingHash);
  EXPECT_EQ(expected_pack_id(pack), id);
  uint32_t header_len = parse_pack_trailer(ByteView(pack).last(kPackTrailerSize));
  crypto::Sha256Stream framing;
  framing.update(ByteView(pack).first(kPackPreambleSize));
  framing.update(ByteView(pack).last(header_len + kPackTrailerSize));
  EXPECT_EQ(id == crypto::sha256(pack), format_version == 1);
  EXPECT_EQ(id == framing.finish(), format_version == 2);

  // A flipped blob byte: the version-1 name no longer matches; the version-2 name
  // still does, and the blob's own tag refuses it either way.
  Bytes flipped = pack;
  flipped[loc->offset + 50] ^= 0x01;
  EXPECT_EQ(expected_pack_id(flipped) == id, format_version == 2);
  r.mem.raw(Repository::pack_name(id)) = flipped;
  EXPECT_EQ(code_of([&] { r->load_blob(ia, BlobType::data); }), ExitCode::integrity);
  // Framing bytes are covered by the name under both rules.
  for (size_t at : {size_t{5}, pack.size() - 3, pack.size() - kPackTrailerSize - 10}) {
    Bytes f = pack;
    f[at] ^= 0x01;
    EXPECT_NE(expected_pack_id(f), id) << "byte " << at;
  }
}

TEST(RepositoryBlobTest, FormatTwoPacksNamedByTheirFraming) { expect_packs_named_by(2); }
TEST(RepositoryBlobTest, FormatOnePacksStillNamedByAllTheirBytes) { expect_packs_named_by(1); }

TEST(RepositoryBlobTest, NewRepositoriesUseTheCurrentFormat) {
  TestRepo r;
  EXPECT_EQ(r->config().version, kFormatVersion);
  EXPECT_EQ(kFormatVersion, 2);
  InitOptions o = small_options();
  o.format_version = kFormatVersion + 1;
  storage::MemoryBackend mem;
  EXPECT_EQ(code_of([&] { Repository::init(mem, key_file_secret(), o, slot_info("keyfile")); }),
            ExitCode::usage);
}

TEST(RepositoryObjectTest, SealedObjectsRoundTrip) {
  TestRepo r;
  for (ObjectKind kind : {ObjectKind::index, ObjectKind::snapshot, ObjectKind::lock}) {
    for (Bytes plain : {Bytes{}, compressible_data(100000), random_data(5000, 35)}) {
      std::string id = r->save_object(kind, plain);
      EXPECT_EQ(id.size(), 64u);
      EXPECT_EQ(r->load_object(kind, id), plain);
    }
    EXPECT_EQ(r->list_objects(kind).size(), 3u);
  }
  // Compressible plaintext is stored compressed.
  std::string id = r->save_object(ObjectKind::snapshot, compressible_data(100000));
  EXPECT_LT(r.mem.raw("snapshots/" + id).size(), 10000u);
}

TEST(RepositoryObjectTest, SealedObjectsBoundToKind) {
  TestRepo r;
  Bytes plain = compressible_data(1000);
  Bytes sealed = seal_object(r->aead(), ObjectKind::snapshot, plain);
  Bytes out;
  EXPECT_TRUE(open_object(r->aead(), ObjectKind::snapshot, sealed, out));
  EXPECT_EQ(out, plain);
  EXPECT_FALSE(open_object(r->aead(), ObjectKind::index, sealed, out));
  EXPECT_FALSE(open_object(r->aead(), ObjectKind::lock, sealed, out));
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x04;
    EXPECT_FALSE(open_object(r->aead(), ObjectKind::snapshot, bad, out)) << i;
  }
  EXPECT_FALSE(open_object(r->aead(), ObjectKind::snapshot, ByteView(sealed.data(), 31), out));
  EXPECT_STREQ(object_dir(ObjectKind::index), "index");
  EXPECT_STREQ(object_dir(ObjectKind::snapshot), "snapshots");
  EXPECT_STREQ(object_dir(ObjectKind::lock), "locks");
}

TEST(RepositoryObjectTest, FlippedSnapshotByteIsIntegrity) {
  TestRepo r;
  Snapshot s;
  s.time_ns = 1700000000000000000;
  s.host = "h";
  s.username = "u";
  s.paths = {"/srv"};
  s.tags = {"db", "daily"};
  s.parent = std::string(64, 'a');
  s.tree = r.save(BlobType::tree, as_bytes("not really a tree"));
  s.summary.files_new = 7;
  s.summary.duration_seconds = 1.5;
  s.program = "strata test";
  std::string id = save_snapshot(*r, s);
  EXPECT_EQ(s.id, id);
  auto snaps = load_snapshots(*r);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].id, id);
  EXPECT_EQ(snaps[0].time_ns, s.time_ns);
  EXPECT_EQ(snaps[0].paths, s.paths);
  EXPECT_EQ(snaps[0].tags, s.tags);
  EXPECT_EQ(snaps[0].parent, s.parent);
  EXPECT_EQ(snaps[0].tree, s.tree);
  EXPECT_EQ(snaps[0].summary.files_new, 7u);
  EXPECT_EQ(snaps[0].program, "strata test");
  EXPECT_TRUE(r->index().has(s.tree)) << "save_snapshot flushes first";
  EXPECT_EQ(&find_snapshot(snaps, id.substr(0, 6)), &snaps[0]);
  EXPECT_EQ(&find_snapshot(snaps, "latest"), &snaps[0]);
  EXPECT_EQ(code_of([&] { find_snapshot(snaps, "ffffffff"); }), ExitCode::not_found);

  r.mem.raw("snapshots/" + id)[20] ^= 1;
  std::string msg;
  EXPECT_EQ(code_of([&] { r->load_object(ObjectKind::snapshot, id); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, "snapshots/" + id)) << msg;
  EXPECT_EQ(code_of([&] { load_snapshots(*r); }), ExitCode::integrity);
  std::vector<std::string> problems;
  EXPECT_TRUE(load_snapshots(*r, &problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(contains(problems[0], id)) << problems[0];
}

TEST(RepositoryObjectTest, CorruptIndexObject) {
  TestRepo r;
  r.save(BlobType::data, random_data(1000, 36));
  r->flush();
  auto ids = r->list_objects(ObjectKind::index);
  ASSERT_EQ(ids.size(), 1u);
  r.mem.raw("index/" + ids[0]).back() ^= 1;
  std::string msg;
  EXPECT_EQ(code_of([&] { r->load_index(); }, &msg), ExitCode::integrity);
  EXPECT_TRUE(contains(msg, "index/" + ids[0])) << msg;
  std::vector<std::string> problems;
  r->load_index(&problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(contains(problems[0], "index/" + ids[0]));
  EXPECT_EQ(r->index().blob_count(), 0u);
}

}  // namespace
}  // namespace strata::repo
