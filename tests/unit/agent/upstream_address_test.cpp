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

TEST(UpstreamAddressTest, AcceptsHttpsAndKeepsTheScheme) {
  for (const auto& [text, host, port] : std::vector<std::tuple<std::string, std::string, uint16_t>>{
           {"https://vault.internal:8200", "vault.internal", 8200},
           {"https://127.0.0.1:8200/", "127.0.0.1", 8200},
           {"https://[::1]:443", "::1", 443}}) {
    auto parsed = parse_upstream_address(text);
    ASSERT_TRUE(std::holds_alternative<UpstreamAddress>(parsed)) << text;
    EXPECT_TRUE(std::get<UpstreamAddress>(parsed).tls) << text;
    EXPECT_EQ(std::get<UpstreamAddress>(parsed).host, host);
    EXPECT_EQ(std::get<UpstreamAddress>(parsed).port, port);
  }
  auto plain = parse_upstream_address("http://vault:8200");
  ASSERT_TRUE(std::holds_alternative<UpstreamAddress>(plain));
  EXPECT_FALSE(std::get<UpstreamAddress>(plain).tls);
  EXPECT_EQ((UpstreamAddress{"vault", 8200, true}.to_string()), "https://vault:8200");
  EXPECT_EQ((UpstreamAddress{"::1", 8200, true}.to_string()), "https://[::1]:8200");
}

TEST(UpstreamAddressTest, SchemeIsStrict) {
  // Anything but exactly "http://" or "https://" is refused: never a silent fall back to http.
  for (const char* text : {"HTTPS://vault:8200", "Http://vault:8200", "https:/vault:8200",
                           "https//vault:8200", "httpss://vault:8200", "ws://vault:8200",
                           " https://vault:8200", "https ://vault:8200", "https://"}) {
    EXPECT_NE(error_of(text), "") << text;
  }
}

TEST(UpstreamAddressTest, RefusesOtherShapes) {
  for (const char* text :
       {"vault:8200", "http://vault", "http://vault:", "http://:8200", "http://vault:0",
        "http://vault:65536", "http://vault:82x0", "http://vault:8200/v1", "http://user@vault:8200",
        "http://::1:8200", "http://vault:8200?x=1", "https://vault:8200#f", "https://va%6Cult:8200",
        "https://vault_1:8200", "https://[::1:8200"}) {
    EXPECT_NE(error_of(text), "") << text;
  }
}

}  // namespace
}  // namespace panguard::agent
