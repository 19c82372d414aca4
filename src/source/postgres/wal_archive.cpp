// WAL archive records (see wal_archive.h).
#include "source/postgres/wal_archive.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.h"
#include "source/postgres/wal_header.h"

namespace strata::source::postgres {

namespace {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A WAL file mapped read-only (no copy out of the page cache; a segment is
// 16 MiB and archive_command runs once per segment).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EACCES)
        throw Error(ExitCode::io, "cannot read " + path + ": Permission denied (strata runs as uid " +
                                      std::to_string(getuid()) + " and must be able to read the WAL it archives)");
      throw io_error("cannot read " + path, err);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      throw io_error("cannot read " + path, err);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        throw io_error("reading " + path, err);
      }
      data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ByteView view() const { return ByteView(data_, size_); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// A history file is lines "<parent tli>\t<switch LSN>\t<reason>" (and comments).
std::string check_history(ByteView data) {
  std::string text(data.begin(), data.end());
  if (text.find('\0') != std::string::npos) return "contains NUL bytes: not a timeline history file";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find_first_of("\t ");
    if (tab == std::string::npos || line.find_first_not_of("0123456789") != tab)
      return "has a line that is not '<timeline> <LSN> <reason>': not a timeline history file";
  }
  return "";
}

}  // namespace

WalArchive::WalArchive(repo::Repository& repo, const StanzaRecord& stanza, int compression_level)
    : records_(repo), stanza_(stanza), level_(compression_level), prefix_(stanza_prefix(stanza.name) + "/wal") {}

std::string WalArchive::record_name(const WalFileName& f) const {
  if (f.kind == WalFileKind::history) return prefix_ + "/" + f.name;
  return prefix_ + "/" + f.name.substr(0, 16) + "/" + f.name;
}

bool WalArchive::push(const std::string& path) {
  MappedFile file(path);
  return push_bytes(base_name(path), file.view());
}

bool WalArchive::push_bytes(const std::string& name, ByteView data) {
  auto file = parse_wal_file_name(name);
  if (!file)
    throw Error(ExitCode::usage, "'" + name + "' is not the name of a WAL segment, history, backup history or .partial file");
  std::string problem;
  WalExpectations expect{stanza_.system_id, stanza_.wal_segment_size, stanza_.server_version_num};
  switch (file->kind) {
    case WalFileKind::segment:
    case WalFileKind::partial: problem = check_wal_segment(*file, data, expect); break;
    case WalFileKind::history: problem = check_history(data); break;
    case WalFileKind::backup_history: {
      std::string text(data.begin(), data.end());
      if (text.find("START WAL LOCATION:") == std::string::npos) problem = "is not a backup history file";
      break;
    }
  }
  if (!problem.empty()) throw Error(ExitCode::usage, "refusing to archive " + name + ": it " + problem);
  const std::string record = record_name(*file);
  try {
    return records_.put(record, data, level_) == repo::RecordPut::stored;
  } catch (const Error& e) {
    if (e.code() != ExitCode::conflict) throw;
    throw Error(ExitCode::conflict, "WAL file " + name + " of stanza " + stanza_.name +
                                        " is already archived with different content; not overwritten (" +
                                        e.what() + ")");
  }
}

std::optional<Bytes> WalArchive::get(const std::string& name) {
  auto file = parse_wal_file_name(name);
  if (!file) throw Error(ExitCode::usage, "'" + name + "' is not the name of a WAL file");
  return records_.get(record_name(*file));
}

bool WalArchive::contains(const std::string& name) {
  auto file = parse_wal_file_name(name);
  return file && records_.exists(record_name(*file));
}

std::vector<ArchivedWal> WalArchive::list() {
  std::vector<ArchivedWal> out;
  for (const auto& r : records_.list(prefix_)) {
    auto file = parse_wal_file_name(base_name(r.name));
    if (!file) continue;
    out.push_back(ArchivedWal{*file, r.stored_size, r.stored_ns});
  }
  return out;
}

std::vector<WalRange> WalArchive::segment_ranges(const std::vector<ArchivedWal>& files) const {
  std::map<uint32_t, std::map<uint64_t, int64_t>> by_tli;
  for (const auto& f : files)
    if (f.file.kind == WalFileKind::segment)
      by_tli[f.file.timeline][segment_number(f.file, stanza_.wal_segment_size)] = f.stored_ns;
  std::vector<WalRange> out;
  for (const auto& [tli, segs] : by_tli) {
    WalRange cur;
    bool open = false;
    for (const auto& [segno, ns] : segs) {
      if (open && segno == cur.last_segno + 1) {
        cur.last_segno = segno;
        cur.newest_stored_ns = std::max(cur.newest_stored_ns, ns);
        continue;
      }
      if (open) out.push_back(cur);
      cur = WalRange{tli, segno, segno, ns};
      open = true;
    }
    if (open) out.push_back(cur);
  }
  return out;
}

std::vector<std::string> WalArchive::missing_segments(uint32_t timeline, uint64_t from_segno, uint64_t to_segno) {
  // One lookup per segment of the range (a backup needs one or two), not a
  // listing of the whole archive: backup and check poll this.
  std::vector<std::string> missing;
  for (uint64_t s = from_segno; s <= to_segno; ++s) {
    std::string name = segment_file_name(timeline, s, stanza_.wal_segment_size);
    if (!contains(name)) missing.push_back(name);
  }
  return missing;
}

void WalArchive::remove(const ArchivedWal& file) { records_.remove(record_name(file.file)); }

}  // namespace strata::source::postgres
