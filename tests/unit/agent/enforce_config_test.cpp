// enforce.* and sensor.watched_cgroups: addresses as the kernel matches them, cgroup paths
// relative to the cgroup v2 root, and the combinations that must not start.
#include <gtest/gtest.h>

#include "agent/config/enforce_values.h"
#include "config_test_support.h"

namespace panguard::agent {
namespace {

using testing::parse_error;
using testing::parse_ok;

TEST(EnforceConfigTest, DefaultIsOffWithNothingWatchedByCgroup) {
  const auto config = parse_ok("");
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->enforce().deny_vault_direct);
  EXPECT_TRUE(config->enforce().vault_addresses.empty());
  EXPECT_TRUE(config->sensor().watched_cgroups.empty());
  EXPECT_TRUE(config->sensor().enabled);  // "eBPF if privileged"
}

TEST(EnforceConfigTest, DenyWithAddressesCgroupsAndAttachPoint) {
  const auto config = parse_ok(
      "enforce:\n  vault_direct: deny\n"
      "  vault_addresses: [\"10.0.0.5:8200\", \"[fd00::5]:8200\"]\n"
      "  allowed_cgroups: [/kubepods.slice/vault-sidecar, system.slice/panguard.service]\n"
      "  attach_cgroup: kubepods.slice\n"
      "sensor:\n  enabled: true\n  watched_cgroups: [kubepods.slice]\n");
  ASSERT_TRUE(config);
  const EnforceSettings& e = config->enforce();
  EXPECT_TRUE(e.deny_vault_direct);
  ASSERT_EQ(e.vault_addresses.size(), 2u);
  const std::array<uint8_t, 16> v4 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 5};
  EXPECT_EQ(e.vault_addresses[0].address, v4);
  EXPECT_EQ(e.vault_addresses[0].port, 8200);
  const std::array<uint8_t, 16> v6 = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
  EXPECT_EQ(e.vault_addresses[1].address, v6);
  EXPECT_EQ(e.vault_addresses[1].text, "[fd00::5]:8200");
  EXPECT_EQ(e.allowed_cgroups, (std::vector<std::string>{"kubepods.slice/vault-sidecar",
                                                         "system.slice/panguard.service"}));
  EXPECT_EQ(e.attach_cgroup, "kubepods.slice");
  EXPECT_EQ(config->sensor().watched_cgroups, std::vector<std::string>{"kubepods.slice"});
}

TEST(EnforceConfigTest, RefusesWhatCannotBeEnforced) {
  const std::string sensor = "sensor:\n  enabled: true\n";
  EXPECT_NE(parse_error(sensor + "enforce:\n  vault_direct: deny\n")
                .find("enforce.vault_addresses: required when vault_direct is deny"),
            std::string::npos);
  EXPECT_NE(parse_error("enforce:\n  vault_direct: deny\n  vault_addresses: [\"10.0.0.5:8200\"]\n"
                        "sensor:\n  enabled: false\n")
                .find("deny needs the eBPF sensor"),
            std::string::npos);
  EXPECT_NE(
      parse_error(sensor + "enforce:\n  vault_direct: block\n").find("expected one of: off | deny"),
      std::string::npos);
  for (const char* bad : {"vault:8200", "10.0.0.5", "10.0.0.5:0", "10.0.0.5:70000", "fd00::5:8200",
                          "[10.0.0.5]:8200", "0.0.0.0:8200", "[::]:8200", "10.0.0.5:82x"}) {
    EXPECT_NE(parse_error(sensor + "enforce:\n  vault_addresses: [\"" + bad + "\"]\n")
                  .find("enforce.vault_addresses[0]"),
              std::string::npos)
        << bad;
  }
  for (const char* bad : {"a/../b", "./a", "a//b", "a/"}) {
    EXPECT_NE(parse_error(sensor + "  watched_cgroups: [\"" + bad + "\"]\n")
                  .find("sensor.watched_cgroups[0]"),
              std::string::npos)
        << bad;
    EXPECT_NE(parse_error("enforce:\n  attach_cgroup: \"" + std::string(bad) + "\"\n")
                  .find("enforce.attach_cgroup"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(parse_error("enforce:\n  colour: red\n").find("unknown key"), std::string::npos);
}

TEST(EnforceConfigTest, CgroupPathNormalization) {
  EXPECT_EQ(std::get<0>(normalize_cgroup_path("")), "");
  EXPECT_EQ(std::get<0>(normalize_cgroup_path("/")), "");
  EXPECT_EQ(std::get<0>(normalize_cgroup_path("/a/b.slice")), "a/b.slice");
  EXPECT_EQ(std::get<0>(normalize_cgroup_path("a")), "a");
  EXPECT_EQ(normalize_cgroup_path("/a/..").index(), 1u);
}

}  // namespace
}  // namespace panguard::agent
