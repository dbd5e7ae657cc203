#include "agent/config/upstream_address.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_upstream_address(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return "";
}

TEST(UpstreamAddressTest, AcceptsHttpHostAndPort) {
  for (const auto& [text, host, port] : std::vector<std::tuple<std::string, std::string, uint16_t>>{
           {"http://127.0.0.1:8200", "127.0.0.1", 8200},
           {"http://vault.vault.svc:8200/", "vault.vault.svc", 8200},
           {"http://[::1]:8200", "::1", 8200}}) {
    auto parsed = parse_upstream_address(text);
    ASSERT_TRUE(std::holds_alternative<UpstreamAddress>(parsed)) << text;
    EXPECT_EQ(std::get<UpstreamAddress>(parsed).host, host);
    EXPECT_EQ(std::get<UpstreamAddress>(parsed).port, port);
  }
  EXPECT_EQ((UpstreamAddress{"::1", 8200}.to_string()), "http://[::1]:8200");
}

TEST(UpstreamAddressTest, RefusesHttpsForNow) {
  EXPECT_NE(error_of("https://vault:8200").find("not supported yet"), std::string::npos);
}

TEST(UpstreamAddressTest, RefusesOtherShapes) {
  for (const char* text :
       {"vault:8200", "http://vault", "http://vault:", "http://:8200", "http://vault:0",
        "http://vault:65536", "http://vault:82x0", "http://vault:8200/v1", "http://user@vault:8200",
        "http://::1:8200", "http://vault:8200?x=1"}) {
    EXPECT_NE(error_of(text), "") << text;
  }
}

}  // namespace
}  // namespace panguard::agent
