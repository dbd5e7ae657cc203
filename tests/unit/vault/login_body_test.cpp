// Login role extraction from untrusted JSON bodies: strict JSON, one `role`, printable ASCII,
// bounded size, and no body bytes in any error message.
#include "agent/sources/vault/login_body.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace panguard::vault {
namespace {

std::optional<std::string> role_of(std::string_view body) {
  auto result = extract_login_role(body);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << "rejected " << body << ": " << rejection->code;
    return std::nullopt;
  }
  return std::get<std::optional<std::string>>(std::move(result));
}

struct RejectCase {
  std::string body;
  std::string code;
};

void expect_rejected(const std::vector<RejectCase>& cases) {
  for (const RejectCase& c : cases) {
    auto result = extract_login_role(c.body);
    const auto* rejection = std::get_if<Rejection>(&result);
    ASSERT_NE(rejection, nullptr) << "accepted: " << c.body;
    EXPECT_EQ(rejection->code, c.code) << c.body;
    EXPECT_FALSE(rejection->message.empty());
  }
}

TEST(LoginBodyTest, ExtractsOnlyTheRole) {
  EXPECT_EQ(role_of(R"({"role":"acme-reader","jwt":"eyJhbGciOi.x.y"})"), "acme-reader");
  EXPECT_EQ(role_of(R"(  {"jwt": "x", "role" : "acme-reader"}  )"), "acme-reader");
  EXPECT_EQ(role_of(R"({"r\u006fle":"acme-reader"})"), "acme-reader");  // Vault decodes it too
  EXPECT_EQ(role_of(R"({"role":"acme-reader","tenant_id":"globex","tenant":"globex"})"),
            "acme-reader");
  EXPECT_EQ(role_of(R"({"role":"a b!~"})"), "a b!~");
  EXPECT_EQ(role_of(R"({"role":")" + std::string(kMaxRoleBytes, 'r') + "\"}"),
            std::string(kMaxRoleBytes, 'r'));
  // Nested `role` keys belong to other fields, not to the login.
  EXPECT_EQ(role_of(R"({"metadata":{"role":"globex-admin"}})"), std::nullopt);
}

TEST(LoginBodyTest, NoBodyOrNoRoleIsNoRole) {
  EXPECT_EQ(role_of(""), std::nullopt);
  EXPECT_EQ(role_of("{}"), std::nullopt);
  EXPECT_EQ(role_of(R"({"password":"hunter2"})"), std::nullopt);
  EXPECT_EQ(role_of(R"({"roles":["globex-admin"],"role_id":"x"})"), std::nullopt);
}

TEST(LoginBodyTest, RejectsDuplicateKeysIncludingEscapedSpellings) {
  expect_rejected({
      {R"({"role":"acme-reader","role":"globex-reader"})", "login_body_duplicate_key"},
      {R"({"role":"acme-reader","r\u006fle":"globex-reader"})", "login_body_duplicate_key"},
      {R"({"role":"acme-reader","jwt":"a","jwt":"b"})", "login_body_duplicate_key"},
      {R"({"role":"acme-reader","Role":"globex-reader"})", "login_body_role_case"},
      {R"({"ROLE":"globex-reader"})", "login_body_role_case"},
  });
}

TEST(LoginBodyTest, RejectsBodiesThatAreNotOneStrictJsonObject) {
  expect_rejected({
      {"[]", "login_body_not_object"},
      {R"([{"role":"acme-reader"}])", "login_body_not_object"},
      {R"("role")", "login_body_not_object"},
      {"null", "login_body_not_object"},
      {"1", "login_body_not_object"},
      {" ", "login_body_invalid_json"},
      {R"({"role":"acme-reader")", "login_body_invalid_json"},
      {R"({"role":"acme-reader"}{"role":"globex-reader"})", "login_body_invalid_json"},
      {R"({"role":"acme-reader"} x)", "login_body_invalid_json"},
      {"{'role':'acme-reader'}", "login_body_invalid_json"},
      {"{role:\"acme-reader\"}", "login_body_invalid_json"},
      {"role=acme-reader&jwt=x", "login_body_invalid_json"},
      {"\xEF\xBB\xBF{\"role\":\"acme-reader\"}", "login_body_invalid_json"},
      {"{\"role\":\"acme\xff-reader\"}", "login_body_invalid_json"},
      {std::string("{\"role\":\"acme-reader\"}\0", 23), "login_body_invalid_json"},
      // nlohmann would stop at the NUL and never see the second role.
      {std::string("{\"role\":\"acme-reader\"}\0{\"role\":\"globex-reader\"}", 47),
       "login_body_invalid_json"},
      {std::string("\0{\"role\":\"acme-reader\"}", 23), "login_body_invalid_json"},
      {std::string(40, '[') + std::string(40, ']'), "login_body_too_deep"},
      {R"({"a":)" + std::string(20, '[') + std::string(20, ']') + "}", "login_body_too_deep"},
  });
}

TEST(LoginBodyTest, RoleMustBeANonEmptyPrintableString) {
  expect_rejected({
      {R"({"role":null})", "login_role_not_string"},
      {R"({"role":1})", "login_role_not_string"},
      {R"({"role":true})", "login_role_not_string"},
      {R"({"role":["acme-reader"]})", "login_role_not_string"},
      {R"({"role":{"name":"acme-reader"}})", "login_role_not_string"},
      {R"({"role":""})", "login_role_empty"},
      {R"({"role":"acme\u0000-reader"})", "login_role_not_printable"},
      {R"({"role":"acme\n-reader"})", "login_role_not_printable"},
      {R"({"role":"acme\t"})", "login_role_not_printable"},
      {R"({"role":"acme\u007f"})", "login_role_not_printable"},
      {R"({"role":"acm\u00e9-reader"})", "login_role_not_printable"},
      {"{\"role\":\"acm\xc3\xa9-reader\"}", "login_role_not_printable"},
      {R"({"role":"acme\uff0ereader"})", "login_role_not_printable"},
      {R"({"role":")" + std::string(kMaxRoleBytes + 1, 'r') + "\"}", "login_role_too_long"},
  });
}

TEST(LoginBodyTest, BodySizeIsBounded) {
  const std::string prefix = R"({"role":"acme-reader","pad":")";
  const std::string suffix = "\"}";
  const std::string at_limit =
      prefix + std::string(kMaxLoginBodyBytes - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(at_limit.size(), kMaxLoginBodyBytes);
  EXPECT_EQ(role_of(at_limit), "acme-reader");
  const std::string over = prefix + std::string(kMaxLoginBodyBytes, 'x') + suffix;
  expect_rejected({{over, "login_body_too_large"}});
  expect_rejected({{std::string(kMaxLoginBodyBytes + 1, ' '), "login_body_too_large"}});
}

TEST(LoginBodyTest, MessagesNeverQuoteTheBody) {
  const std::string secret = "hunter2-SECRET";
  for (const std::string& body : std::vector<std::string>{
           R"({"password":"hunter2-SECRET","password":"x"})",
           R"({"hunter2-SECRET":1,"hunter2-SECRET":2})",
           R"({"jwt":"hunter2-SECRET", oops})",
           R"({"jwt":"hunter2-SECRET"} trailing)",
           R"({"role":"hunter2-SECRET)",
           "{\"role\":\"hunter2-SECRET\x01\"}",
           R"({"role":"hunter2-SECRET\n"})",
       }) {
    auto result = extract_login_role(body);
    ASSERT_TRUE(std::holds_alternative<Rejection>(result)) << body;
    EXPECT_EQ(std::get<Rejection>(result).message.find(secret), std::string::npos)
        << std::get<Rejection>(result).message;
    EXPECT_EQ(std::get<Rejection>(result).message.find("hunter2"), std::string::npos);
  }
}

}  // namespace
}  // namespace panguard::vault
