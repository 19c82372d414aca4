// Write-once named records (see record_store.h). Envelope as for sealed metadata
// objects: version(1)=1 || key_domain(1)=0 || flags(1) || reserved(1)=0 || nonce ||
// ciphertext || tag, flags bit 0 = zstd-compressed; the associated data is
// "strata/v2/record/<name>" followed by the four envelope bytes.
#include "repo/record_store.h"

#include <zstd.h>

#include <algorithm>

#include "common/error.h"

namespace strata::repo {

namespace {
constexpr uint8_t kEnvelopeVersion = 1;
constexpr uint8_t kCompressed = 1;
constexpr size_t kMaxRecordPlaintext = size_t{2} << 30;
constexpr char kRecordsDir[] = "records";

Bytes aad_for(const std::string& name, const uint8_t* envelope4) {
  std::string label = "strata/v2/record/" + name;
  Bytes aad(label.begin(), label.end());
  aad.insert(aad.end(), envelope4, envelope4 + 4);
  return aad;
}

bool valid_component(const std::string& c) {
  if (c.empty() || c == "." || c == ".." || c.size() > 200) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
  });
}
}  // namespace

std::string RecordStore::object_name(const std::string& name) {
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!valid_component(part))
      throw Error(ExitCode::usage, "invalid record name '" + name + "'");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return std::string(kRecordsDir) + "/" + name;
}

Bytes RecordStore::seal(const std::string& name, ByteView plaintext, int level) const {
  if (plaintext.size() > kMaxRecordPlaintext)
    throw Error(ExitCode::usage, "record " + name + " is too large (" + std::to_string(plaintext.size()) + " bytes)");
  // Unzeroed: the compressor overwrites what it uses (a WAL segment is 16 MiB).
  RawBytes compressed(ZSTD_compressBound(plaintext.size()));
  // Single-threaded on purpose: for a 16 MiB segment zstd's worker threads cost
  // more (job buffers, copies, thread start) than they save (measured: 1.7x the
  // CPU and wall time per wal-push on two cores).
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), plaintext.data(), plaintext.size(), level);
  const bool use = !ZSTD_isError(n) && n < plaintext.size();
  Bytes out;
  out.reserve(4 + (use ? n : plaintext.size()) + crypto::kSealOverhead);
  out.assign({kEnvelopeVersion, 0, static_cast<uint8_t>(use ? kCompressed : 0), 0});
  Bytes aad = aad_for(name, out.data());
  repo_.aead().seal_append(use ? ByteView(compressed.data(), n) : plaintext, aad, out);
  return out;
}

bool RecordStore::open(const std::string& name, ByteView sealed, Bytes& out) const {
  if (sealed.size() < 4 + crypto::kSealOverhead || sealed[0] != kEnvelopeVersion || sealed[1] != 0 ||
      (sealed[2] & ~kCompressed) || sealed[3] != 0)
    return false;
  Bytes aad = aad_for(name, sealed.data());
  Bytes plain;
  if (!repo_.aead().open(sealed.subspan(4), aad, plain)) return false;
  if (!(sealed[2] & kCompressed)) {
    out = std::move(plain);
    return true;
  }
  unsigned long long size = ZSTD_getFrameContentSize(plain.data(), plain.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxRecordPlaintext)
    return false;
  out.resize(size);
  size_t n = ZSTD_decompress(out.data(), out.size(), plain.data(), plain.size());
  return !ZSTD_isError(n) && n == size;
}

RecordPut RecordStore::put(const std::string& name, ByteView plaintext, int level) {
  const std::string object = object_name(name);
  const std::string where = repo_.backend().location() + "/" + object;
  // A record already there is compared first: re-archiving after a crash is
  // the common case and needs no write at all.
  auto compare_existing = [&]() -> RecordPut {
    auto existing = get(name);
    if (!existing) throw Error(ExitCode::io, where + ": vanished while being compared");
    if (existing->size() == plaintext.size() &&
        std::equal(existing->begin(), existing->end(), plaintext.begin()))
      return RecordPut::identical;
    throw Error(ExitCode::conflict, where + " already exists with different content (" +
                                        std::to_string(existing->size()) + " bytes stored, " +
                                        std::to_string(plaintext.size()) + " bytes offered); not overwritten");
  };
  if (repo_.backend().stat(object)) {
    try {
      return compare_existing();
    } catch (const Error& e) {
      if (e.code() != ExitCode::integrity) throw;
      throw Error(ExitCode::conflict, std::string(e.what()) + "; not overwritten");
    }
  }
  if (repo_.backend().put_if_absent(object, seal(name, plaintext, level))) return RecordPut::stored;
  return compare_existing();  // another writer stored it meanwhile
}

std::optional<Bytes> RecordStore::get(const std::string& name, Bytes* sealed_out) {
  const std::string object = object_name(name);
  Bytes sealed;
  try {
    sealed = repo_.backend().get(object);
  } catch (const Error& e) {
    if (e.code() == ExitCode::not_found) return std::nullopt;
    throw;
  }
  Bytes plain;
  if (!open(name, sealed, plain))
    throw Error(ExitCode::integrity, repo_.backend().location() + "/" + object +
                                         ": record fails authentication (corrupt, or not written under this name)");
  if (sealed_out) *sealed_out = std::move(sealed);
  return plain;
}

std::vector<RecordInfo> RecordStore::list(const std::string& prefix) {
  const std::string dir = object_name(prefix);
  std::vector<RecordInfo> out;
  for (auto& info : repo_.backend().list(dir))
    out.push_back(RecordInfo{info.name.substr(sizeof(kRecordsDir)), info.size, info.modified_ns});
  std::sort(out.begin(), out.end(), [](const RecordInfo& a, const RecordInfo& b) { return a.name < b.name; });
  return out;
}

bool RecordStore::exists(const std::string& name) { return repo_.backend().stat(object_name(name)).has_value(); }

void RecordStore::remove(const std::string& name) { repo_.backend().remove(object_name(name)); }

}  // namespace strata::repo
