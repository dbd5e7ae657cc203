#include "agent/config/config_loader.h"

#include <gtest/gtest.h>

#include "config_test_support.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

using testing::parse;
using testing::parse_error;
using testing::parse_ok;

TEST(ConfigLoaderTest, EmptyFileGivesDefaults) {
  const auto config = parse_ok("");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->node_name(), "host-a");
  EXPECT_EQ(config->mode(), Mode::kMonitor);
  EXPECT_TRUE(config->rule_paths().empty());
  EXPECT_EQ(config->admin_listen().to_string(), "127.0.0.1:9464");
  EXPECT_FALSE(config->allow_event_ingest());
  EXPECT_EQ(config->alert_format(), alerts::AlertFormat::kPanguard);
  EXPECT_EQ(config->log_level(), log::Level::kInfo);
}

TEST(ConfigLoaderTest, ReadsEveryKey) {
  const auto config = parse_ok(R"(
node_name: node-7
mode: enforce
rules:
  paths: [packs/base.yaml, /opt/rules]
admin:
  listen: "[::1]:0"
  allow_event_ingest: true
alerts:
  format: falco
log:
  level: debug
)");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->node_name(), "node-7");
  EXPECT_EQ(config->mode(), Mode::kEnforce);
  EXPECT_EQ(config->rule_paths(),
            (std::vector<std::string>{"/etc/panguard/packs/base.yaml", "/opt/rules"}));
  EXPECT_EQ(config->admin_listen().host, "::1");
  EXPECT_EQ(config->admin_listen().port, 0);
  EXPECT_TRUE(config->allow_event_ingest());
  EXPECT_EQ(config->alert_format(), alerts::AlertFormat::kFalco);
  EXPECT_EQ(config->log_level(), log::Level::kDebug);
}

TEST(ConfigLoaderTest, UnknownKeyNamesItsPath) {
  EXPECT_EQ(parse_error("admin:\n  listn: 127.0.0.1:1\n").substr(0, 33),
            "config.yaml:2:3: admin.listn: unk");
  EXPECT_NE(parse_error("nodename: x\n").find("nodename: unknown key"), std::string::npos);
}

TEST(ConfigLoaderTest, MistypedValuesNameTheirPath) {
  EXPECT_EQ(parse_error("admin:\n  listen: 9464\n"),
            "config.yaml:2:11: admin.listen: expected \"host:port\", e.g. 127.0.0.1:9464");
  EXPECT_NE(parse_error("mode: audit\n").find("mode: expected one of: monitor | enforce"),
            std::string::npos);
  EXPECT_NE(parse_error("admin:\n  allow_event_ingest: yes\n")
                .find("admin.allow_event_ingest: expected true or false"),
            std::string::npos);
  EXPECT_NE(parse_error("admin:\n  allow_event_ingest: \"true\"\n").find("expected true or false"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  paths: /etc/rules\n").find("rules.paths: expected a list"),
            std::string::npos);
  EXPECT_NE(parse_error("rules:\n  paths: [[a]]\n").find("rules.paths[0]: expected a string"),
            std::string::npos);
  EXPECT_NE(parse_error("alerts: [falco]\n").find("alerts: expected a mapping"), std::string::npos);
  EXPECT_NE(parse_error("log:\n  level: trace\n").find("log.level: expected one of"),
            std::string::npos);
  EXPECT_NE(parse_error("node_name: \"\"\n").find("node_name: must not be empty"),
            std::string::npos);
}

TEST(ConfigLoaderTest, RefusesNonLoopbackAdmin) {
  for (const char* address : {"0.0.0.0:9464", "10.0.0.1:9464", "[::]:9464", "example.com:1"}) {
    const std::string error = parse_error(std::string("admin:\n  listen: \"") + address + "\"\n");
    EXPECT_NE(error.find("admin.listen:"), std::string::npos) << address << ": " << error;
  }
  EXPECT_NE(parse_error("admin:\n  listen: 0.0.0.0:9464\n").find("loopback"), std::string::npos);
}

TEST(ConfigLoaderTest, RejectsDuplicateKeys) {
  EXPECT_EQ(parse_error("mode: monitor\nmode: enforce\n"), "config.yaml:2:1: mode: duplicate key");
  EXPECT_NE(parse_error("admin:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n")
                .find("admin.listen: duplicate key"),
            std::string::npos);
}

TEST(ConfigLoaderTest, ReportsYamlSyntaxWithPosition) {
  const std::string error = parse_error("admin:\n  listen: [unclosed\n");
  EXPECT_EQ(error.rfind("config.yaml:", 0), 0u) << error;
  EXPECT_NE(error.find("invalid YAML"), std::string::npos) << error;
}

TEST(ConfigLoaderTest, RootMustBeAMapping) {
  EXPECT_NE(parse_error("- a\n- b\n").find("expected a mapping"), std::string::npos);
}

TEST(ConfigLoaderTest, LoadsFileAndResolvesRelativeRulePaths) {
  testing::TempDir dir;
  const std::string path = dir.write("panguard.yaml", "rules:\n  paths: [rules/a.yaml]\n");
  auto result = load_config_file(path);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Config>>(result));
  EXPECT_EQ(std::get<std::shared_ptr<const Config>>(result)->rule_paths().at(0),
            (dir.path() / "rules/a.yaml").string());
}

TEST(ConfigLoaderTest, MissingFileIsAnIoError) {
  auto result = load_config_file("/nonexistent/panguard.yaml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(result));
  EXPECT_TRUE(std::get<ConfigError>(result).io);
}

}  // namespace
}  // namespace panguard::agent
