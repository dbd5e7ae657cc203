#include "agent/config/listen_address.h"

#include <gtest/gtest.h>

namespace panguard::agent {
namespace {

ListenAddress ok(const char* text) {
  auto parsed = parse_loopback_listen(text);
  if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << text << ": " << *error;
  return std::holds_alternative<ListenAddress>(parsed) ? std::get<ListenAddress>(parsed)
                                                       : ListenAddress{};
}

bool refused(const char* text) {
  return std::holds_alternative<std::string>(parse_loopback_listen(text));
}

TEST(ListenAddressTest, AcceptsLoopback) {
  EXPECT_EQ(ok("127.0.0.1:9464").to_string(), "127.0.0.1:9464");
  EXPECT_EQ(ok("127.1.2.3:0").to_string(), "127.1.2.3:0");
  EXPECT_EQ(ok("[::1]:80").to_string(), "[::1]:80");
  EXPECT_EQ(ok("localhost:9464").to_string(), "127.0.0.1:9464");
}

TEST(ListenAddressTest, RefusesEverythingElse) {
  for (const char* text :
       {"0.0.0.0:9464", "192.168.1.1:80", "[::]:80", "::1:80", "127.0.0.1", "127.0.0.1:", ":9464",
        "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x", "host.example:80", "[::1:80", ""}) {
    EXPECT_TRUE(refused(text)) << text;
  }
}

}  // namespace
}  // namespace panguard::agent
