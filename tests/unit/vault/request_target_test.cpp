// Canonicalization of raw request targets, methods and X-Vault-Namespace headers: every
// ambiguous shape is rejected with its stable code, and accepted requests come out canonical.
#include "agent/sources/vault/request_target.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace panguard::vault {
namespace {

// Control and non-ASCII bytes shown as \xNN so that failure messages stay readable.
std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

CanonicalizeResult canon(std::string_view method, std::string_view target,
                         const std::vector<std::string_view>& namespaces = {},
                         const RequestLayout& layout = RequestLayout::defaults()) {
  return canonicalize(method, target, namespaces, layout);
}

CanonicalRequest accepted(std::string_view method, std::string_view target,
                          const std::vector<std::string_view>& namespaces = {},
                          const RequestLayout& layout = RequestLayout::defaults()) {
  auto result = canon(method, target, namespaces, layout);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << method << " " << printable(target) << " rejected: " << rejection->code << " ("
                  << rejection->message << ")";
    return {};
  }
  return std::get<CanonicalRequest>(std::move(result));
}

struct RejectCase {
  std::string target;
  std::string code;
};

void expect_rejected(std::string_view method, const std::vector<RejectCase>& cases,
                     const std::vector<std::string_view>& namespaces = {}) {
  for (const RejectCase& c : cases) {
    auto result = canon(method, c.target, namespaces);
    const auto* rejection = std::get_if<Rejection>(&result);
    if (!rejection) {
      ADD_FAILURE() << method << " " << printable(c.target) << " accepted as "
                    << printable(std::get<CanonicalRequest>(result).canonical_path) << ", expected "
                    << c.code;
      continue;
    }
    EXPECT_EQ(rejection->code, c.code) << method << " " << printable(c.target);
    EXPECT_FALSE(rejection->message.empty());
  }
}

TEST(RequestTargetTest, RejectsTargetsThatAreNotOriginFormUnderV1) {
  expect_rejected("GET", {
                             {"http://vault:8200/v1/secret/data/x", "not_origin_form"},
                             {"https://vault/v1/secret/data/x", "not_origin_form"},
                             {"vault:8200", "not_origin_form"},
                             {"v1/secret/data/x", "not_origin_form"},
                             {"", "not_origin_form"},
                             {"*", "asterisk_form"},
                             {"/v2/secret/data/x", "not_v1"},
                             {"/V1/secret/data/x", "not_v1"},
                             {"/v%31/secret/data/x", "not_v1"},
                             {"/v1", "not_v1"},
                             {"/v1?list=true", "not_v1"},
                             {"/secret/data/x", "not_v1"},
                             {"//v1/secret", "not_v1"},
                             {"/v1/secret/data/x#frag", "fragment"},
                             {"/v1/secret/data/x?list=true#", "fragment"},
                             {"/v1/#/secret", "fragment"},
                             {"/v1/", "empty_path"},
                             {"/v1//", "empty_path"},
                         });
  expect_rejected("GET", {{"/v1/" + std::string(kMaxTargetBytes, 'a'), "target_too_long"}});
}

TEST(RequestTargetTest, RejectsTraversalInEveryEncoding) {
  expect_rejected(
      "GET", {
                 {"/v1/secret/data/tenants/acme/../globex/db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/%2e%2e/globex/db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/%2E%2E/globex/db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/%2E./globex/db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/.%2e/globex/db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/./db", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/%2e/db", "dot_segment"},
                 {"/v1/../v1/secret/data/x", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/..", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/../", "dot_segment"},
                 {"/v1/secret/data/tenants/acme/%252e%252e/globex/db", "double_encoding"},
                 {"/v1/secret/data/tenants/acme/..;/globex/db", "semicolon"},
                 {"/v1/secret/data/tenants/acme/..%3b/globex/db", "semicolon"},
                 {"/v1/secret/data/tenants/acme;x=1/db", "semicolon"},
                 {"/v1/secret/data/tenants/acme/%c0%ae%c0%ae/globex/db", "non_ascii"},
                 {"/v1/secret/data/tenants/acme/%e0%80%ae%e0%80%ae/db", "non_ascii"},
                 {"/v1/secret/data/tenants/acme/%ef%bc%8e%ef%bc%8e/globex/db", "non_ascii"},
                 {"/v1/secret/data/tenants/acme/\xef\xbc\x8e\xef\xbc\x8e/globex/db", "non_ascii"},
                 {"/v1/secret/data/tenants/acme/..\\globex/db", "backslash"},
                 {"/v1/secret/data/tenants/acme\\..\\globex/db", "backslash"},
                 {"/v1/secret/data/tenants/acme/..%5cglobex/db", "encoded_backslash"},
                 {"/v1/secret/data/tenants/acme/..%5Cglobex/db", "encoded_backslash"},
                 {"/v1/secret/data/tenants/acme/..%2fglobex/db", "encoded_slash"},
                 {"/v1/secret/data/tenants/acme%2F..%2Fglobex/db", "encoded_slash"},
                 {"/v1/secret/data/tenants/acme/%252f/db", "double_encoding"},
             });
}

TEST(RequestTargetTest, RejectsEmptySegmentsAndMalformedEscapes) {
  expect_rejected("GET", {
                             {"/v1//secret/data/x", "empty_segment"},
                             {"/v1/secret//data/x", "empty_segment"},
                             {"/v1/secret/data/x//", "empty_segment"},
                             {"/v1/secret/data/tenants/acme///", "empty_segment"},
                             {"/v1/secret/data/x%", "malformed_escape"},
                             {"/v1/secret/data/x%4", "malformed_escape"},
                             {"/v1/secret/data/x%G0", "malformed_escape"},
                             {"/v1/secret/data/x%4g", "malformed_escape"},
                             {"/v1/secret/data/x%%41", "malformed_escape"},
                             {"/v1/secret/data/x%-1", "malformed_escape"},
                             {"/v1/secret/data/x% 4", "malformed_escape"},
                             {"/v1/secret/data/%2541", "double_encoding"},
                             {"/v1/secret/data/%25", "double_encoding"},
                             {"/v1/secret/data/x%3f", "encoded_delimiter"},
                             {"/v1/secret/data/x%23y", "encoded_delimiter"},
                         });
}

TEST(RequestTargetTest, RejectsNulAndControlBytes) {
  expect_rejected("GET", {
                             {"/v1/secret/data/x%00", "control_byte"},
                             {"/v1/secret/data/x%00/../y", "control_byte"},
                             {std::string("/v1/secret/data/x\0y", 19), "control_byte"},
                             {"/v1/secret/data/x%0a", "control_byte"},
                             {"/v1/secret/data/x%0D%0AHost:%20evil", "control_byte"},
                             {"/v1/secret/data/x\ty", "control_byte"},
                             {"/v1/secret/data/x%1f", "control_byte"},
                             {"/v1/secret/data/x%7f", "control_byte"},
                             {"/v1/secret/data/x\x7f", "control_byte"},
                             {"/v1/secret/data/x%80", "non_ascii"},
                             {"/v1/secret/data/x%ff", "non_ascii"},
                             {"/v1/secret/data/caf\xc3\xa9", "non_ascii"},
                         });
}

TEST(RequestTargetTest, QueryAcceptsOnlyListAndVersionOnce) {
  expect_rejected("GET", {
                             {"/v1/secret/data/x?", "query_malformed"},
                             {"/v1/secret/data/x?list", "query_malformed"},
                             {"/v1/secret/data/x?=true", "query_malformed"},
                             {"/v1/secret/data/x?&list=true", "query_malformed"},
                             {"/v1/secret/data/x?list=true&", "query_malformed"},
                             {"/v1/secret/data/x?list=true&&version=1", "query_malformed"},
                             {"/v1/secret/data/x?list=true&list=true", "query_duplicate_key"},
                             {"/v1/secret/data/x?list=true&list=false", "query_duplicate_key"},
                             {"/v1/secret/data/x?version=1&version=2", "query_duplicate_key"},
                             {"/v1/secret/data/x?tenant=globex", "query_unknown_key"},
                             {"/v1/secret/data/x?namespace=tenants/globex", "query_unknown_key"},
                             {"/v1/secret/data/x?List=true", "query_unknown_key"},
                             {"/v1/secret/data/x?%6cist=true", "query_unknown_key"},
                             {"/v1/secret/data/x?list%3dtrue=1", "query_unknown_key"},
                             {"/v1/secret/data/x?help=1", "query_unknown_key"},
                             {"/v1/secret/data/x?list=1", "query_bad_value"},
                             {"/v1/secret/data/x?list=TRUE", "query_bad_value"},
                             {"/v1/secret/data/x?list=", "query_bad_value"},
                             {"/v1/secret/data/x?list=true;x=1", "query_bad_value"},
                             {"/v1/secret/data/x?list=true=1", "query_bad_value"},
                             {"/v1/secret/data/x?list=%2574rue", "query_bad_value"},
                             {"/v1/secret/data/x?list=tru%", "query_bad_value"},
                             {"/v1/secret/data/x?version=", "query_bad_value"},
                             {"/v1/secret/data/x?version=-1", "query_bad_value"},
                             {"/v1/secret/data/x?version=+1", "query_bad_value"},
                             {"/v1/secret/data/x?version=1.0", "query_bad_value"},
                             {"/v1/secret/data/x?version=0x10", "query_bad_value"},
                             {"/v1/secret/data/x?version=1234567890123456789", "query_bad_value"},
                         });
  EXPECT_EQ(accepted("GET", "/v1/secret/data/x?version=3").version, 3);
  EXPECT_EQ(accepted("GET", "/v1/secret/data/x?version=123456789012345678").version,
            123456789012345678);
  EXPECT_EQ(accepted("GET", "/v1/secret/data/x?version=%33").version, 3);
  EXPECT_FALSE(accepted("GET", "/v1/secret/data/x").version.has_value());
  EXPECT_FALSE(accepted("GET", "/v1/secret/data/x?list=false").list);
}

TEST(RequestTargetTest, OnlyKnownMethodsCaseSensitive) {
  for (std::string_view method : {"GET", "HEAD", "LIST", "POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_TRUE(std::holds_alternative<CanonicalRequest>(canon(method, "/v1/secret/data/x")))
        << method;
  }
  for (std::string_view method :
       {std::string_view("get"), std::string_view("List"), std::string_view("TRACE"),
        std::string_view("CONNECT"), std::string_view("OPTIONS"), std::string_view("PROPFIND"),
        std::string_view(""), std::string_view("GET "), std::string_view(" GET"),
        std::string_view("GET\0", 4), std::string_view("G\0T", 3)}) {
    auto result = canon(method, "/v1/secret/data/x");
    ASSERT_TRUE(std::holds_alternative<Rejection>(result)) << printable(method);
    EXPECT_EQ(std::get<Rejection>(result).code, "method_not_allowed");
  }
}

TEST(RequestTargetTest, ListByQueryIsTheSameRequestAsListMethod) {
  CanonicalRequest by_method = accepted("LIST", "/v1/secret/metadata/tenants/acme/");
  CanonicalRequest by_query = accepted("GET", "/v1/secret/metadata/tenants/acme/?list=true");
  EXPECT_TRUE(by_method.list);
  EXPECT_TRUE(by_query.list);
  EXPECT_EQ(by_query.method, "LIST");
  EXPECT_EQ(by_method.raw_path, by_query.raw_path);
  by_query.raw_target = by_method.raw_target;  // the only difference: the query as received
  EXPECT_EQ(by_method, by_query);

  EXPECT_TRUE(accepted("LIST", "/v1/secret/metadata/x?list=true").list);
  EXPECT_EQ(accepted("GET", "/v1/secret/metadata/x?list=false").method, "GET");
  auto conflict = canon("LIST", "/v1/secret/metadata/x?list=false");
  ASSERT_TRUE(std::holds_alternative<Rejection>(conflict));
  EXPECT_EQ(std::get<Rejection>(conflict).code, "list_conflict");
  for (std::string_view method : {"POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
    auto result = canon(method, "/v1/secret/metadata/x?list=true");
    ASSERT_TRUE(std::holds_alternative<Rejection>(result)) << method;
    EXPECT_EQ(std::get<Rejection>(result).code, "list_query_with_method") << method;
  }
}

TEST(RequestTargetTest, AcceptedRequestIsDecodedOnceWithOneTrailingSlashRemoved) {
  const CanonicalRequest read = accepted("GET", "/v1/secret/data/tenants/acme/my%20db%41");
  EXPECT_EQ(read.method, "GET");
  EXPECT_FALSE(read.list);
  EXPECT_EQ(read.raw_target, "/v1/secret/data/tenants/acme/my%20db%41");
  EXPECT_EQ(read.raw_path, "secret/data/tenants/acme/my%20db%41");
  EXPECT_EQ(read.canonical_path, "secret/data/tenants/acme/my dbA");
  EXPECT_EQ(read.logical_path, "secret/tenants/acme/my dbA");
  EXPECT_EQ(read.namespace_path, "");
  EXPECT_FALSE(read.had_trailing_slash);

  const CanonicalRequest list = accepted("LIST", "/v1/secret/metadata/tenants/acme/");
  EXPECT_TRUE(list.had_trailing_slash);
  EXPECT_EQ(list.canonical_path, "secret/metadata/tenants/acme");
  EXPECT_EQ(list.logical_path, "secret/tenants/acme");
  EXPECT_EQ(list.raw_path, "secret/metadata/tenants/acme/");

  const CanonicalRequest encoded_dot = accepted("GET", "/v1/secret/data/x%2ey/.z/..w/a..");
  EXPECT_EQ(encoded_dot.canonical_path, "secret/data/x.y/.z/..w/a..");
}

TEST(RequestTargetTest, StripsTheKv2InfixOnlyUnderKv2Mounts) {
  struct Case {
    std::string target;
    std::string canonical;
    std::string logical;
  };
  RequestLayout layout = RequestLayout::defaults();
  layout.kv2_mounts = {"secret", "kv/team"};
  for (const Case& c : std::vector<Case>{
           {"/v1/secret/data/a/b", "secret/data/a/b", "secret/a/b"},
           {"/v1/secret/metadata/a", "secret/metadata/a", "secret/a"},
           {"/v1/secret/delete/a", "secret/delete/a", "secret/a"},
           {"/v1/secret/undelete/a", "secret/undelete/a", "secret/a"},
           {"/v1/secret/destroy/a", "secret/destroy/a", "secret/a"},
           {"/v1/secret/subkeys/a", "secret/subkeys/a", "secret/a"},
           {"/v1/secret/metadata/", "secret/metadata", "secret"},
           {"/v1/secret/config", "secret/config", "secret/config"},
           {"/v1/secret/a/data/b", "secret/a/data/b", "secret/a/data/b"},
           {"/v1/secret/Data/a", "secret/Data/a", "secret/Data/a"},
           {"/v1/secretx/data/a", "secretx/data/a", "secretx/data/a"},
           {"/v1/kv/team/data/a", "kv/team/data/a", "kv/team/a"},
           {"/v1/kv/data/a", "kv/data/a", "kv/data/a"},
           {"/v1/other/data/a", "other/data/a", "other/data/a"},
           {"/v1/secret", "secret", "secret"},
       }) {
    const CanonicalRequest request = accepted("GET", c.target, {}, layout);
    EXPECT_EQ(request.canonical_path, c.canonical) << c.target;
    EXPECT_EQ(request.logical_path, c.logical) << c.target;
  }
}

TEST(RequestTargetTest, NamespaceFromHeaderPathAndBoth) {
  // Header only; one leading and one trailing '/' allowed.
  for (std::string_view header :
       {"tenants/globex", "/tenants/globex", "tenants/globex/", "/tenants/globex/"}) {
    const CanonicalRequest request = accepted("GET", "/v1/secret/data/x", {header});
    EXPECT_EQ(request.namespace_path, "tenants/globex") << header;
    EXPECT_EQ(request.canonical_path, "secret/data/x");
    EXPECT_EQ(request.logical_path, "secret/x");
  }
  // Empty header or "/" is the root namespace.
  EXPECT_EQ(accepted("GET", "/v1/secret/data/x", {""}).namespace_path, "");
  EXPECT_EQ(accepted("GET", "/v1/secret/data/x", {"/"}).namespace_path, "");

  // Path prefix only.
  const CanonicalRequest by_path = accepted("GET", "/v1/tenants/globex/secret/data/x");
  EXPECT_EQ(by_path.namespace_path, "tenants/globex");
  EXPECT_EQ(by_path.canonical_path, "secret/data/x");
  EXPECT_EQ(by_path.logical_path, "secret/x");
  EXPECT_EQ(by_path.raw_path, "tenants/globex/secret/data/x");

  // Split across header and path: Vault joins them, and so do we.
  const CanonicalRequest split = accepted("GET", "/v1/globex/secret/data/x", {"tenants"});
  EXPECT_EQ(split.namespace_path, "tenants/globex");
  EXPECT_EQ(split.canonical_path, "secret/data/x");

  // Header `tenants` + path `secret/...` joins to tenants/secret: a namespace like any other.
  const CanonicalRequest joined = accepted("GET", "/v1/secret/data/x", {"tenants"});
  EXPECT_EQ(joined.namespace_path, "tenants/secret");
  EXPECT_EQ(joined.canonical_path, "data/x");

  // A header at full depth takes no more segments from the path: anything further down is a
  // child of the header's namespace.
  const CanonicalRequest child =
      accepted("GET", "/v1/tenants/globex/secret/data/x", {"tenants/acme"});
  EXPECT_EQ(child.namespace_path, "tenants/acme");
  EXPECT_EQ(child.canonical_path, "tenants/globex/secret/data/x");

  // A leading segment pair that does not fit the pattern stays in the path.
  const CanonicalRequest not_namespace = accepted("GET", "/v1/tenant/globex/x");
  EXPECT_EQ(not_namespace.namespace_path, "");
  EXPECT_EQ(not_namespace.canonical_path, "tenant/globex/x");
  const CanonicalRequest other_header = accepted("GET", "/v1/globex/x", {"other"});
  EXPECT_EQ(other_header.namespace_path, "other");
  EXPECT_EQ(other_header.canonical_path, "globex/x");

  // A prefix that fits the pattern with an invalid tenant id is still the namespace (so that
  // the event builder rejects it) rather than silently part of the path.
  EXPECT_EQ(accepted("GET", "/v1/tenants/ACME/secret/data/x").namespace_path, "tenants/ACME");

  // Without a namespace pattern nothing is taken from the path.
  RequestLayout no_namespaces;
  const CanonicalRequest plain = accepted("GET", "/v1/tenants/globex/x", {}, no_namespaces);
  EXPECT_EQ(plain.namespace_path, "");
  EXPECT_EQ(plain.canonical_path, "tenants/globex/x");
  EXPECT_EQ(accepted("GET", "/v1/globex/x", {"tenants"}, no_namespaces).namespace_path, "tenants");
}

TEST(RequestTargetTest, NamespaceWithNothingAfterItIsRejected) {
  expect_rejected("GET", {{"/v1/tenants/acme", "empty_path"}, {"/v1/tenants/acme/", "empty_path"}});
  expect_rejected("GET", {{"/v1/acme", "empty_path"}}, {"tenants"});
}

TEST(RequestTargetTest, RejectsDuplicateAndMalformedNamespaceHeaders) {
  for (const std::vector<std::string_view>& headers :
       std::vector<std::vector<std::string_view>>{{"tenants/acme", "tenants/globex"},
                                                  {"tenants/acme", "tenants/acme"},
                                                  {"", "tenants/globex"},
                                                  {"a", "b", "c"}}) {
    auto result = canon("GET", "/v1/secret/data/x", headers);
    ASSERT_TRUE(std::holds_alternative<Rejection>(result));
    EXPECT_EQ(std::get<Rejection>(result).code, "duplicate_namespace_header");
  }
  struct Case {
    std::string header;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {"tenants/acme/../globex", "namespace_dot_segment"},
           {"tenants/./globex", "namespace_dot_segment"},
           {"..", "namespace_dot_segment"},
           {"tenants//globex", "namespace_empty_segment"},
           {"//tenants/globex", "namespace_empty_segment"},
           {"tenants/globex//", "namespace_empty_segment"},
           {"//", "namespace_empty_segment"},
           {"tenants/%2e%2e/globex", "namespace_bad_char"},
           {"tenants/glo%62ex", "namespace_bad_char"},
           {"tenants/acme,tenants/globex", "namespace_bad_char"},
           {"tenants/acme, tenants/globex", "namespace_bad_char"},
           {"tenants/ac me", "namespace_bad_char"},
           {"tenants/acme?x", "namespace_bad_char"},
           {"tenants/acme#x", "namespace_bad_char"},
           {"tenants\\globex", "namespace_backslash"},
           {"tenants/acme;globex", "namespace_semicolon"},
           {"tenants/acme\x01", "namespace_control_byte"},
           {std::string("tenants/acme\0", 13), "namespace_control_byte"},
           {"tenants/acme\r\nX-Vault-Namespace:tenants/globex", "namespace_control_byte"},
           {"tenants/\xef\xbc\x8e\xef\xbc\x8e", "namespace_non_ascii"},
           {"tenants/" + std::string(kMaxNamespaceHeaderBytes, 'a'), "namespace_too_long"},
       }) {
    auto result = canon("GET", "/v1/secret/data/x", {c.header});
    const auto* rejection = std::get_if<Rejection>(&result);
    ASSERT_NE(rejection, nullptr) << printable(c.header);
    EXPECT_EQ(rejection->code, c.code) << printable(c.header);
  }
}

TEST(RequestTargetTest, MessagesNeverEchoTheRequest) {
  const std::string marker = "s.SECRETTOKEN";
  for (std::string_view target :
       {"/v1/secret/data/s.SECRETTOKEN/%2e%2e", "/v1/secret/data/s.SECRETTOKEN%",
        "/v1/s.SECRETTOKEN//x", "/v1/secret?s.SECRETTOKEN=1", "/v1/secret?list=s.SECRETTOKEN"}) {
    auto result = canon("GET", target);
    ASSERT_TRUE(std::holds_alternative<Rejection>(result)) << target;
    EXPECT_EQ(std::get<Rejection>(result).message.find(marker), std::string::npos) << target;
    EXPECT_EQ(std::get<Rejection>(result).code.find(marker), std::string::npos) << target;
  }
  auto header = canon("GET", "/v1/secret/x", {"s.SECRETTOKEN/../x"});
  ASSERT_TRUE(std::holds_alternative<Rejection>(header));
  EXPECT_EQ(std::get<Rejection>(header).message.find(marker), std::string::npos);
}

TEST(RequestTargetTest, CanonicalPathIsAFixedPoint) {
  for (std::string_view target :
       {"/v1/secret/data/tenants/acme/my%20db", "/v1/secret/metadata/tenants/acme/",
        "/v1/auth/kubernetes/login", "/v1/secret/data/x%2ey"}) {
    const CanonicalRequest first = accepted("GET", target, {}, RequestLayout{});
    const CanonicalRequest again =
        accepted("GET", "/v1/" + first.canonical_path, {}, RequestLayout{});
    EXPECT_EQ(again.canonical_path, first.canonical_path) << target;
    EXPECT_EQ(again.logical_path, first.logical_path) << target;
  }
}

// kv2 mounts are walked in place, not split: a mount split_segments() refuses is skipped as
// before, and a valid mount after it still strips its infix.
TEST(RequestTargetTest, NonCanonicalKv2MountsAreSkipped) {
  RequestLayout layout = RequestLayout::defaults();
  layout.kv2_mounts = {"", "kv//team", "./kv", "kv/..", "secret/", "/secret", "kv/team"};
  const CanonicalRequest under_valid = accepted("GET", "/v1/kv/team/data/a", {}, layout);
  EXPECT_EQ(under_valid.logical_path, "kv/team/a");
  const CanonicalRequest under_invalid = accepted("GET", "/v1/secret/data/a", {}, layout);
  EXPECT_EQ(under_invalid.logical_path, "secret/data/a");
  const CanonicalRequest mount_only = accepted("GET", "/v1/kv/team", {}, layout);
  EXPECT_EQ(mount_only.logical_path, "kv/team");
}

// A path with escapes is decoded into a buffer, one without is used in place: both must
// give the same canonical request.
TEST(RequestTargetTest, EscapedAndPlainSpellingsCanonicalizeAlike) {
  const CanonicalRequest plain = accepted("GET", "/v1/secret/data/tenants/acme/db");
  const CanonicalRequest escaped = accepted("GET", "/v1/secret/%64ata/tenants/acme/%64b");
  EXPECT_EQ(escaped.canonical_path, plain.canonical_path);
  EXPECT_EQ(escaped.logical_path, plain.logical_path);
  EXPECT_EQ(escaped.namespace_path, plain.namespace_path);
  EXPECT_NE(escaped.raw_path, plain.raw_path);
}

}  // namespace
}  // namespace panguard::vault
