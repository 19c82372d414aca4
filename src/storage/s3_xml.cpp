// Tag scanning for S3 XML responses (see s3_xml.h).
#include "storage/s3_xml.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/time_util.h"

namespace strata::storage {
namespace {

// Finds "<tag>" or "<tag attr...>" (not "<tagger>") from `from`; returns the
// position after '>' and sets `open` to the '<'. npos if absent.
size_t find_open(std::string_view xml, std::string_view tag, size_t from, size_t& open) {
  while (true) {
    size_t p = xml.find('<', from);
    if (p == std::string_view::npos) return p;
    std::string_view rest = xml.substr(p + 1);
    if (rest.starts_with(tag) && rest.size() > tag.size()) {
      char next = rest[tag.size()];
      if (next == '>' || next == ' ' || next == '/') {
        size_t end = xml.find('>', p);
        if (end == std::string_view::npos) return end;
        open = p;
        return end + 1;  // "<tag/>" (empty) is told apart by the caller
      }
    }
    from = p + 1;
  }
}

}  // namespace

std::string xml_unescape(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '&') {
      out += t[i];
      continue;
    }
    size_t semi = t.find(';', i);
    if (semi == std::string_view::npos) {
      out += t.substr(i);
      break;
    }
    std::string_view ent = t.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      unsigned long cp = ent[1] == 'x' ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                                       : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      out += t.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::string xml_escape(std::string_view t) {
  std::string out;
  for (char c : t) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  size_t from = 0, open = 0;
  const std::string close = "</" + std::string(tag) + ">";
  while (true) {
    size_t start = find_open(xml, tag, from, open);
    if (start == std::string_view::npos) break;
    if (xml[start - 2] == '/') {  // <tag/>
      out.push_back(std::string_view());
      from = start;
      continue;
    }
    size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    from = end + close.size();
  }
  return out;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  auto all = xml_elements(xml, tag);
  return all.empty() ? "" : xml_unescape(all.front());
}

int64_t parse_s3_time(const std::string& text) {
  auto ns = parse_rfc3339(text);
  return ns ? *ns : 0;
}

int64_t parse_http_date(const std::string& text) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char wd[4] = {}, mon[4] = {};
  int d = 0, y = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d", wd, &d, mon, &y, &h, &mi, &s) != 7) return 0;
  int m = -1;
  for (int i = 0; i < 12; ++i)
    if (std::string(mon) == months[i]) m = i;
  if (m < 0) return 0;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000LL;
}

S3ListPage parse_list_objects_v2(std::string_view xml) {
  S3ListPage page;
  for (auto c : xml_elements(xml, "Contents")) {
    S3ListedObject o;
    o.key = xml_text(c, "Key");
    o.size = std::strtoull(xml_text(c, "Size").c_str(), nullptr, 10);
    o.modified_ns = parse_s3_time(xml_text(c, "LastModified"));
    o.storage_class = xml_text(c, "StorageClass");
    page.objects.push_back(std::move(o));
  }
  // IsTruncated is a direct child of the result; Contents never holds one.
  page.truncated = xml_text(xml, "IsTruncated") == "true";
  page.next_token = xml_text(xml, "NextContinuationToken");
  return page;
}

std::vector<S3Upload> parse_list_multipart_uploads(std::string_view xml, bool& truncated,
                                                   std::string& next_key, std::string& next_upload_id) {
  std::vector<S3Upload> out;
  for (auto u : xml_elements(xml, "Upload")) out.push_back({xml_text(u, "Key"), xml_text(u, "UploadId")});
  truncated = xml_text(xml, "IsTruncated") == "true";
  next_key = xml_text(xml, "NextKeyMarker");
  next_upload_id = xml_text(xml, "NextUploadIdMarker");
  return out;
}

}  // namespace strata::storage
