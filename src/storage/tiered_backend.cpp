// TieredBackend: the repository directory plus tier directories for packs; the
// tier file, lookups across tiers, and moves by copy-then-remove.
#include "storage/tiered_backend.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <sstream>

namespace strata::storage {
namespace {

constexpr uint64_t kMoveSlice = 8 * 1024 * 1024;

bool is_pack(const std::string& name) { return name.starts_with("data/"); }

bool valid_tier_name(const std::string& name) {
  if (name.empty() || name.size() > 32 || name == TieredBackend::kHot) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::string normalized(const std::string& path) {
  std::string p = std::filesystem::path(path).lexically_normal().string();
  while (p.size() > 1 && p.ends_with('/')) p.pop_back();
  return p;
}

bool inside(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir == "/" ? dir : dir + "/");
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

TieredBackend::TieredBackend(std::string root, const Clock& clock)
    : root_(std::move(root), LocalBackend::Durability::synced, clock) {
  load_tier_file();
}

void TieredBackend::load_tier_file() {
  tiers_.clear();
  if (!root_.stat(kTierFile)) return;
  const Bytes raw = root_.get(kTierFile);
  std::istringstream in(std::string(raw.begin(), raw.end()));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.starts_with('#')) continue;
    const size_t space = line.find(' ');
    const std::string name = line.substr(0, space);
    const std::string path = space == std::string::npos ? "" : line.substr(space + 1);
    if (!valid_tier_name(name) || !path.starts_with('/'))
      throw Error(ExitCode::integrity, root_.location() + "/" + kTierFile + " line " + std::to_string(number) +
                                           ": expected '<tier> <absolute path>', found '" + line + "'");
    tiers_.push_back({name, path, std::make_unique<LocalBackend>(path)});
  }
}

std::map<std::string, std::string> TieredBackend::tier_directories() const {
  std::map<std::string, std::string> out;
  for (const auto& t : tiers_) out[t.name] = t.path;
  return out;
}

std::vector<Backend*> TieredBackend::holders(const std::string& name) {
  std::vector<Backend*> out{&root_};
  if (is_pack(name))
    for (auto& t : tiers_) out.push_back(t.backend.get());
  return out;
}

Backend& TieredBackend::tier_backend(const std::string& tier_name) {
  if (tier_name == kHot || tier_name.empty()) return root_;
  for (auto& t : tiers_)
    if (t.name == tier_name) return *t.backend;
  throw Error(ExitCode::usage, root_.location() + ": no directory registered for tier '" + tier_name +
                                   "' (lifecycle.directories in strata.yaml)");
}

namespace {
// Runs `read` on each holder in turn until one has the object. Two passes: a
// pack being moved to a hotter tier is briefly absent from the colder one before
// a reader that already looked in the hotter one gets there.
template <typename Read>
auto read_any(const std::vector<Backend*>& holders, const std::string& where, const std::string& name, Read read) {
  for (int pass = 0; pass < (holders.size() > 1 ? 2 : 1); ++pass) {
    for (Backend* b : holders) {
      try {
        return read(*b);
      } catch (const Error& e) {
        if (e.code() != ExitCode::not_found || holders.size() == 1) throw;
      }
    }
  }
  throw Error(ExitCode::not_found, where + "/" + name + ": no such object (nor in any tier directory)");
}
}  // namespace

Bytes TieredBackend::get(const std::string& name) {
  return read_any(holders(name), root_.location(), name, [&](Backend& b) { return b.get(name); });
}

Bytes TieredBackend::get_range(const std::string& name, uint64_t offset, uint64_t length) {
  return read_any(holders(name), root_.location(), name,
                  [&](Backend& b) { return b.get_range(name, offset, length); });
}

std::optional<uint64_t> TieredBackend::stat(const std::string& name) {
  for (Backend* b : holders(name))
    if (auto size = b->stat(name)) return size;
  return std::nullopt;
}

std::vector<ObjectInfo> TieredBackend::list(const std::string& prefix) {
  std::vector<ObjectInfo> out = root_.list(prefix);
  std::erase_if(out, [](const ObjectInfo& o) { return o.name == kTierFile; });
  if (tiers_.empty()) return out;
  for (auto& o : out) o.storage_class = kHot;
  if (!(prefix.empty() || prefix == "data" || prefix.starts_with("data/"))) return out;
  std::set<std::string> seen;
  for (const auto& o : out) seen.insert(o.name);
  for (auto& t : tiers_) {
    for (auto& o : t.backend->list(prefix.empty() ? "data" : prefix)) {
      if (!seen.insert(o.name).second) continue;  // also in a hotter tier (an interrupted move)
      o.storage_class = t.name;
      out.push_back(std::move(o));
    }
  }
  return out;
}

void TieredBackend::remove(const std::string& name) {
  for (Backend* b : holders(name)) b->remove(name);
}

size_t TieredBackend::remove_stale_temporaries() {
  size_t removed = root_.remove_stale_temporaries();
  for (auto& t : tiers_)
    if (is_directory(t.path)) removed += t.backend->remove_stale_temporaries();
  return removed;
}

void TieredBackend::set_storage_class(const std::string& name, const std::string& storage_class) {
  if (!is_pack(name))
    throw Error(ExitCode::usage, root_.location() + "/" + name + ": only packs move between tier directories");
  Backend& target = tier_backend(storage_class);
  if (&target != &root_) {
    const std::string dir = target.location();
    if (!is_directory(dir))
      throw Error(ExitCode::io, "tier directory " + dir + " (tier " + storage_class +
                                    ") is missing: is its disk mounted? Nothing was moved.");
  }
  Backend* source = nullptr;
  uint64_t size = 0;
  for (Backend* b : holders(name)) {
    if (auto s = b->stat(name)) {
      source = b;
      size = *s;
      break;
    }
  }
  if (source == nullptr) throw Error(ExitCode::not_found, root_.location() + "/" + name + ": no such object");
  if (source == &target) return;
  auto writer = target.begin_put("data");
  for (uint64_t offset = 0; offset < size; offset += kMoveSlice)
    writer->append(source->get_range(name, offset, std::min(kMoveSlice, size - offset)));
  writer->commit(name);  // synced: the copy survives a crash before the original goes
  if (target.stat(name) != size)
    throw Error(ExitCode::io, target.location() + "/" + name + ": copy has the wrong size; the original stays");
  source->remove(name);
}

void TieredBackend::set_tier_directories(const std::map<std::string, std::string>& dirs) {
  const std::string root = normalized(root_.location());
  std::map<std::string, std::string> wanted;
  for (const auto& [name, path] : dirs) {
    if (!valid_tier_name(name))
      throw Error(ExitCode::usage, "tier name '" + name + "': use lower-case letters, digits, '-' or '_' (not 'hot')");
    if (!path.starts_with('/')) throw Error(ExitCode::usage, "tier " + name + ": directory '" + path + "' is not absolute");
    const std::string p = normalized(path);
    if (inside(p, root) || inside(root, p))
      throw Error(ExitCode::usage, "tier " + name + ": directory " + p + " overlaps the repository directory " + root);
    for (const auto& [other, q] : wanted)
      if (inside(p, q) || inside(q, p))
        throw Error(ExitCode::usage, "tiers " + other + " and " + name + " overlap (" + q + ", " + p + ")");
    wanted[name] = p;
  }
  if (wanted == tier_directories()) return;
  // A tier whose directory changes or goes away must not strand packs: each one
  // it holds must already be in the new layout (e.g. copied to the new mount).
  std::vector<std::unique_ptr<LocalBackend>> new_dirs;
  for (const auto& [name, p] : wanted) new_dirs.push_back(std::make_unique<LocalBackend>(p));
  for (auto& t : tiers_) {
    auto it = wanted.find(t.name);
    if (it != wanted.end() && it->second == t.path) continue;
    uint64_t stranded = 0;
    for (const auto& o : t.backend->list("data")) {
      bool elsewhere = root_.stat(o.name) == o.size;
      for (auto& d : new_dirs) elsewhere = elsewhere || d->stat(o.name) == o.size;
      if (!elsewhere) ++stranded;
    }
    if (stranded)
      throw Error(ExitCode::usage, "tier " + t.name + " at " + t.path + " still holds " + std::to_string(stranded) +
                                       " pack(s) found nowhere else; copy the directory to the new location "
                                       "before changing or removing it (docs/object-storage.md §9)");
  }
  for (const auto& [name, p] : wanted) {
    const std::string parent = std::filesystem::path(p).parent_path().string();
    if (!is_directory(parent))
      throw Error(ExitCode::io, "tier " + name + ": " + parent + " does not exist (is the disk mounted?)");
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) throw io_error("creating tier directory " + p, errno);
    if (!is_directory(p)) throw Error(ExitCode::io, "tier " + name + ": " + p + " is not a directory");
  }
  std::string text = "# Tier directories of this repository: '<tier> <path>' per line (written by strata tier apply).\n";
  for (const auto& [name, p] : wanted) text += name + " " + p + "\n";
  root_.put(kTierFile, as_bytes(text));
  load_tier_file();
}

}  // namespace strata::storage
