// The parts of the S3 backend that need no server: location parsing and the AWS
// URI encoding SigV4 depends on, XML answers, the retry policy and where
// credentials come from.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "common/error.h"
#include "storage/s3_credentials.h"
#include "storage/s3_location.h"
#include "storage/s3_retry.h"
#include "storage/s3_xml.h"
#include "storage/temp_dir.h"

namespace strata::storage {
namespace {

TEST(S3Location, ParsesEndpointBucketAndPrefix) {
  auto l = parse_s3_location("s3:http://127.0.0.1:9000/backups/prod/pg/");
  EXPECT_EQ(l.scheme, "http");
  EXPECT_EQ(l.host, "127.0.0.1");
  EXPECT_EQ(l.port, 9000);
  EXPECT_EQ(l.bucket, "backups");
  EXPECT_EQ(l.prefix, "prod/pg");
  EXPECT_EQ(l.addressing, S3Addressing::path);
  EXPECT_EQ(l.display(), "s3:http://127.0.0.1:9000/backups/prod/pg");
  EXPECT_EQ(l.key_of("data/ab/x"), "prod/pg/data/ab/x");
  EXPECT_EQ(l.url("prod/pg/config"), "http://127.0.0.1:9000/backups/prod/pg/config");
}

TEST(S3Location, AwsHostsUseVirtualHostedAddressing) {
  auto l = parse_s3_location("s3:https://s3.eu-west-1.amazonaws.com/my-bucket");
  EXPECT_EQ(l.addressing, S3Addressing::virtual_hosted);
  EXPECT_EQ(l.prefix, "");
  EXPECT_EQ(l.url("config"), "https://my-bucket.s3.eu-west-1.amazonaws.com/config");
  EXPECT_EQ(l.url("", {{"list-type", "2"}}), "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2");
  // A dotted bucket cannot be a TLS host name under *.amazonaws.com.
  EXPECT_EQ(parse_s3_location("s3:https://s3.amazonaws.com/a.b.c").addressing, S3Addressing::path);
  EXPECT_EQ(parse_s3_location("s3:http://minio:9000/bkt", "virtual").url("k"), "http://bkt.minio:9000/k");
}

TEST(S3Location, BadLocationsAreUsageErrors) {
  for (std::string bad : {"s3:bucket/repo", "s3://host/bucket", "s3:ftp://h/b", "s3:http:///b",
                          "s3:http://h", "s3:http://h/", "s3:http://h:99999/b", "s3:http://h:x/b",
                          "s3:http://h/Upper", "s3:http://h/ab", "s3:http://h/b_x/p"}) {
    try {
      parse_s3_location(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << bad;
      EXPECT_NE(std::string(e.what()).find("bad S3 repository location"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_s3_location("s3:http://h/bkt", "sideways"), Error);
}

TEST(S3Location, UriEncodingFollowsSigV4Rules) {
  EXPECT_EQ(aws_uri_encode("a-Z_0.9~", false), "a-Z_0.9~");
  EXPECT_EQ(aws_uri_encode("a/b c+d=e", false), "a%2Fb%20c%2Bd%3De");
  EXPECT_EQ(aws_uri_encode("a/b c", true), "a/b%20c");
  EXPECT_EQ(aws_uri_encode("\xc3\xa9", false), "%C3%A9");
  // Keys sorted, every key with '=', values encoded: what libcurl signs as written.
  std::map<std::string, std::string> q{{"prefix", "repo/data/"}, {"list-type", "2"}, {"uploads", ""}};
  EXPECT_EQ(canonical_query(q), "list-type=2&prefix=repo%2Fdata%2F&uploads=");
}

TEST(S3Xml, ParsesListObjectsV2) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>r/</Prefix>
<KeyCount>2</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>
<Contents><Key>r/data/ab/x&amp;y</Key><LastModified>2026-12-02T01:02:03.500Z</LastModified>
<ETag>&quot;abc&quot;</ETag><Size>1234</Size><StorageClass>STANDARD_IA</StorageClass></Contents>
<Contents><Key>r/config</Key><LastModified>2026-12-02T01:02:04.000Z</LastModified><Size>7</Size></Contents>
</ListBucketResult>)";
  auto page = parse_list_objects_v2(xml);
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "r/data/ab/x&y");
  EXPECT_EQ(page.objects[0].size, 1234u);
  EXPECT_EQ(page.objects[0].storage_class, "STANDARD_IA");
  EXPECT_EQ(page.objects[0].modified_ns, 1796173323500000000LL);
  EXPECT_EQ(page.objects[1].storage_class, "");
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_token, "tok&1");
}

TEST(S3Xml, ErrorsEntitiesAndEmptyElements) {
  const std::string xml = "<Error><Code>SlowDown</Code><Message>a &lt;b&gt; &#233;&#x41;</Message><Resource/></Error>";
  EXPECT_EQ(xml_text(xml, "Code"), "SlowDown");
  EXPECT_EQ(xml_text(xml, "Message"), "a <b> \xc3\xa9" "A");
  EXPECT_EQ(xml_text(xml, "Resource"), "");
  EXPECT_EQ(xml_text(xml, "Missing"), "");
  EXPECT_EQ(xml_text("<CodeX>no</CodeX><Code>yes</Code>", "Code"), "yes");
  EXPECT_EQ(xml_text("<Code>unterminated", "Code"), "");
  EXPECT_EQ(xml_escape("a&<'\">"), "a&amp;&lt;&apos;&quot;&gt;");
  EXPECT_EQ(parse_http_date("Wed, 02 Dec 2026 01:02:03 GMT"), 1796173323000000000LL);
  EXPECT_EQ(parse_http_date("yesterday"), 0);
}

TEST(S3Retry, BackoffGrowsIsJitteredAndCapped) {
  RetryPolicy p;
  p.base_ms = 100;
  p.max_ms = 1000;
  std::mt19937_64 rng(42);
  for (int attempt = 2; attempt < 12; ++attempt) {
    int64_t cap = std::min<int64_t>(1000, 100LL << (attempt - 2));
    int64_t top = 0;
    for (int i = 0; i < 200; ++i) {
      int64_t w = backoff_ms(p, attempt, rng);
      EXPECT_GE(w, 0);
      EXPECT_LE(w, cap);
      top = std::max(top, w);
    }
    EXPECT_GT(top, cap / 2) << "full jitter spreads over the whole range";
  }
}

TEST(S3Retry, WhatIsRetried) {
  EXPECT_TRUE(retryable_status(500, "InternalError"));
  EXPECT_TRUE(retryable_status(503, "SlowDown"));
  EXPECT_TRUE(retryable_status(429, ""));
  EXPECT_TRUE(retryable_status(400, "RequestTimeout"));
  EXPECT_TRUE(retryable_status(409, "ConditionalRequestConflict"));
  EXPECT_FALSE(retryable_status(403, "SignatureDoesNotMatch"));
  EXPECT_FALSE(retryable_status(404, "NoSuchKey"));
  EXPECT_FALSE(retryable_status(412, "PreconditionFailed"));
  EXPECT_FALSE(retryable_status(200, ""));
}

TEST(S3Credentials, EnvironmentThenProfileFile) {
  testing::TempDir dir;
  const std::string creds = dir.path() + "/credentials";
  const std::string config = dir.path() + "/config";
  std::ofstream(creds) << "[default]\naws_access_key_id = DEF\naws_secret_access_key=defsecret\n"
                          "# comment\n[ops]\n aws_access_key_id = OPS \naws_secret_access_key = opssecret\n"
                          "aws_session_token = tok\n";
  std::ofstream(config) << "[default]\nregion = eu-north-1\n[profile ops]\nregion=ap-south-1\n";
  std::map<std::string, std::string> env{{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}};
  auto getenv = [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto c = resolve_s3_credentials(getenv);
  EXPECT_EQ(c.access_key, "DEF");
  EXPECT_EQ(c.secret_key, "defsecret");
  EXPECT_EQ(resolve_s3_region(getenv), "eu-north-1");
  env["AWS_PROFILE"] = "ops";
  c = resolve_s3_credentials(getenv);
  EXPECT_EQ(c.access_key, "OPS");
  EXPECT_EQ(c.session_token, "tok");
  EXPECT_EQ(resolve_s3_region(getenv), "ap-south-1");
  env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env["AWS_REGION"] = "us-west-2";
  c = resolve_s3_credentials(getenv);
  EXPECT_EQ(c.access_key, "ENVKEY");
  EXPECT_EQ(c.source, "environment");
  EXPECT_EQ(resolve_s3_region(getenv), "us-west-2");
  env.erase("AWS_SECRET_ACCESS_KEY");
  EXPECT_THROW(resolve_s3_credentials(getenv), Error);
  env.erase("AWS_ACCESS_KEY_ID");
  env["AWS_PROFILE"] = "nobody";
  try {
    resolve_s3_credentials(getenv);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("profile 'nobody'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata::storage
