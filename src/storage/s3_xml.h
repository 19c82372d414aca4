// The few S3 XML responses Strata reads (ListObjectsV2, errors, multipart
// initiation, ListMultipartUploads), parsed by a small tag scanner: S3 bodies
// are flat, namespaced or not, and never need a general XML parser. Never
// throws on malformed input; missing elements come back empty.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::storage {

// Text of the first <tag>…</tag> in `xml` (entities decoded), "" if absent.
std::string xml_text(std::string_view xml, std::string_view tag);
// Every <tag>…</tag> element's inner XML, in order.
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);
// &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded.
std::string xml_unescape(std::string_view text);
std::string xml_escape(std::string_view text);

struct S3ListedObject {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ns = 0;
  std::string storage_class;  // "" when the server does not say
};

struct S3ListPage {
  std::vector<S3ListedObject> objects;
  bool truncated = false;
  std::string next_token;
};

S3ListPage parse_list_objects_v2(std::string_view xml);

struct S3Upload {
  std::string key;
  std::string upload_id;
};
std::vector<S3Upload> parse_list_multipart_uploads(std::string_view xml, bool& truncated,
                                                   std::string& next_key, std::string& next_upload_id);

// "2026-12-02T01:02:03.000Z" -> ns since the epoch (0 if malformed).
int64_t parse_s3_time(const std::string& text);
// "Wed, 02 Dec 2026 01:02:03 GMT" (HTTP date) -> ns since the epoch (0 if malformed).
int64_t parse_http_date(const std::string& text);

}  // namespace strata::storage
