#include "agent/store/rate_key.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

TEST(RateKeyTest, TenantIsTheHashTag) {
  const std::string tenant = "acme";
  EXPECT_EQ(make_rate_key(&tenant, "Token flood", {"acme", "login"}),
            "pg:{acme}:rule:Token flood:acme:login");
}

TEST(RateKeyTest, AbsentAndEmptyTenantsHaveTheirOwnTags) {
  const std::string empty;
  EXPECT_EQ(make_rate_key(nullptr, "r", {}), "pg:{%none}:rule:r");
  EXPECT_EQ(make_rate_key(&empty, "r", {}), "pg:{%empty}:rule:r");
}

TEST(RateKeyTest, ValuesCannotBreakOutOfTheirPart) {
  const std::string hostile = "evil}:rule:0:{acme";
  const std::string key = make_rate_key(&hostile, "r:1", {"a:b", "%"});
  EXPECT_EQ(key, "pg:{evil%7D%3Arule%3A0%3A%7Bacme}:rule:r%3A1:a%3Ab:%25");
  const std::string a = "a";
  EXPECT_NE(make_rate_key(&a, "r", {"x:y", "z"}), make_rate_key(&a, "r", {"x", "y:z"}));
  const std::string none = "%none";
  EXPECT_NE(make_rate_key(&none, "r", {}), make_rate_key(nullptr, "r", {}));
}

TEST(RateKeyTest, EscapesControlBytes) { EXPECT_EQ(escape_key_part("a\nb\x7f"), "a%0Ab%7F"); }

}  // namespace
}  // namespace panguard::agent
