// The config shipped in deploy/kubernetes (the DaemonSet's ConfigMap) must pass the loader and
// mean what its comments say: a manifest that cannot start is found here, not on a cluster.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <variant>

#include "agent/config/config_loader.h"

namespace panguard::agent {
namespace {

TEST(DeployConfigTest, DaemonSetConfigLoadsAndWatchesThePodsOfThisNode) {
  const auto result = load_config_file(PANGUARD_SOURCE_DIR "/deploy/kubernetes/panguard.yaml");
  const auto* error = std::get_if<ConfigError>(&result);
  ASSERT_EQ(error, nullptr) << error->message;
  const Config& config = *std::get<std::shared_ptr<const Config>>(result);

  EXPECT_TRUE(config.sensor().enabled);
  EXPECT_TRUE(config.sensor().kubernetes.enabled);
  EXPECT_TRUE(config.sensor().pod_mapping_file.empty());
  EXPECT_EQ(config.sensor().watched_cgroups, std::vector<std::string>{"kubepods.slice"});
  EXPECT_EQ(config.admin_listen().host, "127.0.0.1");
  ASSERT_EQ(config.alert_routes().size(), 2u);
  EXPECT_EQ(config.alert_routes()[1].sink.type, SinkType::kAuditFile);
  EXPECT_FALSE(config.alert_routes()[1].sink.audit.node_key_file.empty());
}

TEST(DeployConfigTest, NodeNameComesFromTheDownwardApiVariable) {
  ASSERT_EQ(::setenv("PANGUARD_NODE_NAME", "worker-7", 1), 0);
  const auto result = load_config_file(PANGUARD_SOURCE_DIR "/deploy/kubernetes/panguard.yaml");
  ::unsetenv("PANGUARD_NODE_NAME");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Config>>(result));
  EXPECT_EQ(std::get<std::shared_ptr<const Config>>(result)->node_name(), "worker-7");
}

}  // namespace
}  // namespace panguard::agent
