#include "alerts/alert_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace panguard::alerts {
namespace {

TEST(AlertIdTest, IsLowerCaseUuidVersion4) {
  const std::regex uuid_v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_alert_id();
    EXPECT_TRUE(std::regex_match(id, uuid_v4)) << id;
  }
}

TEST(AlertIdTest, IsUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(new_alert_id());
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace panguard::alerts
