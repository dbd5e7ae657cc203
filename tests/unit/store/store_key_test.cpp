#include "agent/store/store_key.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

TEST(StoreKeyTest, TenantIsTheHashTag) {
  const std::string tenant = "acme";
  EXPECT_EQ(make_store_key(StoreKeyKind::kRate, &tenant, "Token_flood", {"acme", "login"}),
            "pg:{acme}:rule:Token_flood:acme:login");
  EXPECT_EQ(make_store_key(StoreKeyKind::kQuota, &tenant, "gpu", {}), "pg:{acme}:quota:gpu");
  EXPECT_EQ(make_store_key(StoreKeyKind::kDedup, &tenant, "r", {"x"}), "pg:{acme}:dedup:r:x");
}

TEST(StoreKeyTest, AbsentAndEmptyTenantsHaveTheirOwnTags) {
  const std::string empty;
  EXPECT_EQ(make_store_key(StoreKeyKind::kRate, nullptr, "r", {}), "pg:{%none}:rule:r");
  EXPECT_EQ(make_store_key(StoreKeyKind::kRate, &empty, "r", {}), "pg:{%empty}:rule:r");
}

TEST(StoreKeyTest, ValuesCannotBreakOutOfTheirPart) {
  const std::string hostile = "evil}:rule:0:{acme";
  const std::string key = make_store_key(StoreKeyKind::kRate, &hostile, "r:1", {"a:b", "%"});
  EXPECT_EQ(key, "pg:{evil%7D%3Arule%3A0%3A%7Bacme}:rule:r%3A1:a%3Ab:%25");
  const std::string a = "a";
  EXPECT_NE(make_store_key(StoreKeyKind::kRate, &a, "r", {"x:y", "z"}),
            make_store_key(StoreKeyKind::kRate, &a, "r", {"x", "y:z"}));
  const std::string none = "%none";
  EXPECT_NE(make_store_key(StoreKeyKind::kRate, &none, "r", {}),
            make_store_key(StoreKeyKind::kRate, nullptr, "r", {}));
}

TEST(StoreKeyTest, EscapesControlBytesGlobsAndSpaces) {
  EXPECT_EQ(escape_key_part("a\nb\x7f"), "a%0Ab%7F");
  EXPECT_EQ(escape_key_part("* x#"), "%2A%20x%23");
}

TEST(StoreKeyTest, LongPartsAreHashedAndCannotCollideWithEscapedOnes) {
  const std::string tenant = "t";
  const std::string long_value(500, 'v');
  const std::string key = make_store_key(StoreKeyKind::kRate, &tenant, "r", {long_value});
  EXPECT_LT(key.size(), 120u);
  EXPECT_EQ(key.rfind(":#", std::string::npos), std::string("pg:{t}:rule:r").size());
  const std::string other(501, 'v');
  EXPECT_NE(key, make_store_key(StoreKeyKind::kRate, &tenant, "r", {other}));
  // A short value that looks like a hash is escaped, so it cannot name the hashed key.
  const std::string lookalike = key.substr(key.rfind('#'));
  EXPECT_NE(key, make_store_key(StoreKeyKind::kRate, &tenant, "r", {lookalike}));
}

}  // namespace
}  // namespace panguard::agent
