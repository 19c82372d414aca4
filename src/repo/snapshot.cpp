// Snapshot (de)serialization, listing and reference resolution.
#include "repo/snapshot.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json_error.h"
#include "common/time_util.h"
#include "repo/repository.h"

namespace strata::repo {

using nlohmann::json;

bool Snapshot::has_tag(const std::string& t) const {
  return std::find(tags.begin(), tags.end(), t) != tags.end();
}

std::string Snapshot::to_json_text() const {
  json j;
  j["version"] = 1;
  j["time"] = format_rfc3339(time_ns);
  j["time_ns"] = time_ns;
  j["host"] = host;
  j["username"] = username;
  j["uid"] = uid;
  j["gid"] = gid;
  j["paths"] = paths;
  j["tags"] = tags;
  j["dataset"] = dataset;
  j["parent"] = parent.empty() ? json(nullptr) : json(parent);
  j["tree"] = to_hex(tree);
  j["program"] = program;
  if (!source_json.empty()) j["source"] = json::parse(source_json);
  if (!original.empty()) j["original"] = original;
  const auto& s = summary;
  j["summary"] = {{"files_new", s.files_new},       {"files_changed", s.files_changed},
                  {"files_unchanged", s.files_unchanged}, {"dirs_new", s.dirs_new},
                  {"dirs_changed", s.dirs_changed}, {"dirs_unchanged", s.dirs_unchanged},
                  {"files_failed", s.files_failed}, {"bytes_read", s.bytes_read},
                  {"bytes_total", s.bytes_total},   {"bytes_added", s.bytes_added},
                  {"bytes_stored", s.bytes_stored}, {"blobs_added", s.blobs_added},
                  {"duration_seconds", s.duration_seconds}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Snapshot Snapshot::from_json_text(const std::string& text, const std::string& id) {
  Snapshot s;
  s.id = id;
  try {
    json j = json::parse(text);
    if (j.at("version").get<int>() != 1) throw Error(ExitCode::integrity, "unsupported snapshot version");
    s.time_ns = j.at("time_ns").get<int64_t>();
    s.host = j.at("host").get<std::string>();
    s.username = j.at("username").get<std::string>();
    s.uid = j.at("uid").get<uint32_t>();
    s.gid = j.at("gid").get<uint32_t>();
    s.paths = j.at("paths").get<std::vector<std::string>>();
    s.tags = j.at("tags").get<std::vector<std::string>>();
    s.dataset = j.at("dataset").get<std::string>();
    if (!j.at("parent").is_null()) s.parent = j.at("parent").get<std::string>();
    Bytes tree;
    if (!from_hex(j.at("tree").get<std::string>(), tree) || tree.size() != 32)
      throw Error(ExitCode::integrity, "snapshot has a bad tree id");
    std::memcpy(s.tree.data(), tree.data(), 32);
    s.program = j.value("program", "");
    s.original = j.value("original", "");
    if (j.contains("source")) {
      if (!j["source"].is_object()) throw Error(ExitCode::integrity, "snapshot has a bad source object");
      s.source_json = j["source"].dump();
    }
    const auto& m = j.at("summary");
    auto& o = s.summary;
    o.files_new = m.value("files_new", 0ull);
    o.files_changed = m.value("files_changed", 0ull);
    o.files_unchanged = m.value("files_unchanged", 0ull);
    o.dirs_new = m.value("dirs_new", 0ull);
    o.dirs_changed = m.value("dirs_changed", 0ull);
    o.dirs_unchanged = m.value("dirs_unchanged", 0ull);
    o.files_failed = m.value("files_failed", 0ull);
    o.bytes_read = m.value("bytes_read", 0ull);
    o.bytes_total = m.value("bytes_total", 0ull);
    o.bytes_added = m.value("bytes_added", 0ull);
    o.bytes_stored = m.value("bytes_stored", 0ull);
    o.blobs_added = m.value("blobs_added", 0ull);
    o.duration_seconds = m.value("duration_seconds", 0.0);
  } catch (const json::exception& e) {
    throw Error(ExitCode::integrity, "snapshots/" + id + ": corrupt snapshot: " + describe_json_error(e));
  }
  return s;
}

std::string save_snapshot(Repository& repo, Snapshot& snap) {
  repo.flush();  // packs and index durable before the snapshot that needs them
  snap.id = repo.save_object(ObjectKind::snapshot, as_bytes(snap.to_json_text()));
  return snap.id;
}

std::vector<Snapshot> load_snapshots(Repository& repo, std::vector<std::string>* problems) {
  SnapshotList list = load_snapshot_list(repo);
  for (const auto& bad : list.unreadable) {
    if (!problems) throw Error(ExitCode::integrity, bad.problem);
    problems->push_back(bad.problem);
  }
  return std::move(list.readable);
}

SnapshotList load_snapshot_list(Repository& repo) {
  SnapshotList list;
  for (const auto& id : repo.list_objects(ObjectKind::snapshot)) {
    try {
      Bytes plain = repo.load_object(ObjectKind::snapshot, id);
      list.readable.push_back(Snapshot::from_json_text(to_string(plain), id));
    } catch (const Error& e) {
      if (e.code() != ExitCode::integrity) throw;
      list.unreadable.push_back(UnreadableSnapshot{id, e.what()});
    }
  }
  std::stable_sort(list.readable.begin(), list.readable.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });
  return list;
}

const Snapshot& resolve_snapshot(const SnapshotList& list, const std::string& ref, LatestRule rule) {
  if (ref == "latest" && rule == LatestRule::strict && !list.unreadable.empty()) {
    const auto& bad = list.unreadable.front();
    throw Error(ExitCode::integrity,
                "cannot tell which snapshot is 'latest': snapshot " + bad.id.substr(0, 8) + " is unreadable (" +
                    bad.problem + ") and may be the newest; name a snapshot id, or use --latest-readable for the "
                                  "newest readable one ('strata check' for details)");
  }
  if (ref != "latest") {
    for (const auto& bad : list.unreadable)
      if (ref.size() >= 4 && bad.id.compare(0, ref.size(), ref) == 0)
        throw Error(ExitCode::integrity, "snapshot " + bad.id.substr(0, 8) + " is unreadable: " + bad.problem);
  }
  return find_snapshot(list.readable, ref);
}

const Snapshot& find_snapshot(const std::vector<Snapshot>& snaps, const std::string& ref) {
  if (ref == "latest") {
    if (snaps.empty()) throw Error(ExitCode::not_found, "no snapshot matches 'latest' (none found)");
    return snaps.back();
  }
  Bytes tmp;
  if (ref.size() < 4 || !from_hex(ref.size() % 2 ? ref + "0" : ref, tmp))
    throw Error(ExitCode::not_found, "snapshot '" + ref + "' not found (ids are hex, at least 4 digits)");
  const Snapshot* match = nullptr;
  for (const auto& s : snaps) {
    if (s.id.compare(0, ref.size(), ref) == 0) {
      if (match) throw Error(ExitCode::usage, "snapshot prefix '" + ref + "' is ambiguous");
      match = &s;
    }
  }
  if (!match) throw Error(ExitCode::not_found, "snapshot '" + ref + "' not found");
  return *match;
}

}  // namespace strata::repo
