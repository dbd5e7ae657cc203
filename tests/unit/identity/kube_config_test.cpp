// sensor.kubernetes.* in the config file, the API server from the in-cluster environment, and the
// service-account token re-read when the kubelet rotates it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "agent/identity/kube/in_cluster_config.h"
#include "agent/startup/open_pod_directory.h"
#include "tests/unit/agent/config_test_support.h"

namespace panguard::agent::identity::kube {
namespace {

namespace fs = std::filesystem;
using agent::testing::parse_error;
using agent::testing::parse_ok;

TEST(KubernetesConfig, DefaultsAndEveryKey) {
  auto config = parse_ok("sensor:\n  enabled: true\n");
  ASSERT_TRUE(config);
  const KubernetesSettings& defaults = config->sensor().kubernetes;
  EXPECT_FALSE(defaults.enabled);
  EXPECT_EQ(defaults.token_file, kDefaultTokenFile);
  EXPECT_EQ(defaults.ca_file, kDefaultCaFile);
  EXPECT_EQ(defaults.tenant_label, "panguard.io/tenant");
  EXPECT_EQ(defaults.api_server, "");
  EXPECT_EQ(defaults.node_name, "");
  EXPECT_EQ(defaults.watch_timeout_s, 300);

  config = parse_ok(
      "sensor:\n"
      "  kubernetes:\n"
      "    enabled: true\n"
      "    api_server: https://10.96.0.1:443\n"
      "    token_file: sa/token\n"
      "    ca_file: /etc/k8s/ca.crt\n"
      "    tenant_label: example.com/owner\n"
      "    node_name: node-7\n"
      "    watch_timeout_s: 60\n");
  ASSERT_TRUE(config);
  const KubernetesSettings& kube = config->sensor().kubernetes;
  EXPECT_TRUE(kube.enabled);
  EXPECT_EQ(kube.api_server, "https://10.96.0.1:443");
  EXPECT_EQ(kube.token_file, "/etc/panguard/sa/token");  // relative to the config file
  EXPECT_EQ(kube.ca_file, "/etc/k8s/ca.crt");
  EXPECT_EQ(kube.tenant_label, "example.com/owner");
  EXPECT_EQ(kube.node_name, "node-7");
  EXPECT_EQ(kube.watch_timeout_s, 60);
}

TEST(KubernetesConfig, ExclusiveWithTheMappingFile) {
  const std::string error = parse_error(
      "sensor:\n"
      "  pod_mapping_file: pods.yaml\n"
      "  kubernetes:\n"
      "    enabled: true\n");
  EXPECT_NE(error.find("mutually exclusive"), std::string::npos) << error;
  EXPECT_NE(error.find("sensor.kubernetes.enabled"), std::string::npos) << error;
  // Disabled, the section may sit next to the mapping file.
  EXPECT_TRUE(
      parse_ok("sensor:\n  pod_mapping_file: pods.yaml\n  kubernetes:\n    enabled: false\n"));
}

TEST(KubernetesConfig, RefusesBadValues) {
  const std::map<std::string, std::string> bad = {
      {"api_server: http://10.96.0.1:443", "https"},
      {"api_server: https://10.96.0.1", "port"},
      {"api_server: \"\"", "empty"},
      {"watch_timeout_s: 5", "10 to 3600"},
      {"tenant_label: \"a b\"", "label key"},
      {"node_name: \"\"", "empty"},
      {"insecure_skip_tls_verify: true", "unknown key"},
  };
  for (const auto& [line, expected] : bad) {
    const std::string error = parse_error("sensor:\n  kubernetes:\n    " + line + "\n");
    EXPECT_NE(error.find(expected), std::string::npos) << line << " -> " << error;
  }
}

TEST(KubernetesConfig, StartupNamesWhatIsMissing) {
  auto config = parse_ok(
      "sensor:\n  kubernetes:\n    enabled: true\n    api_server: https://127.0.0.1:6443\n"
      "    ca_file: /nonexistent/ca.crt\n");
  ASSERT_TRUE(config);
  auto opened = open_pod_directory(*config);
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_NE(std::get<std::string>(opened).find("sensor.kubernetes: "), std::string::npos);
  EXPECT_NE(std::get<std::string>(opened).find("/nonexistent/ca.crt"), std::string::npos)
      << std::get<std::string>(opened);

  // Neither source: no directory (events carry pod UIDs, no tenant), not an error.
  config = parse_ok("sensor:\n  enabled: true\n");
  ASSERT_TRUE(config);
  opened = open_pod_directory(*config);
  ASSERT_TRUE(std::holds_alternative<OpenedPodDirectory>(opened));
  EXPECT_EQ(std::get<OpenedPodDirectory>(opened).directory, nullptr);
}

TEST(InClusterConfig, ApiServerFromTheEnvironment) {
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto lookup = [&](const char* name) -> std::optional<std::string> {
    const auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
  auto api = resolve_api_server("", lookup);
  ASSERT_TRUE(std::holds_alternative<ApiServer>(api)) << std::get<std::string>(api);
  EXPECT_EQ(std::get<ApiServer>(api).host, "10.96.0.1");
  EXPECT_EQ(std::get<ApiServer>(api).port, 443);

  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  api = resolve_api_server("", lookup);
  ASSERT_TRUE(std::holds_alternative<ApiServer>(api)) << std::get<std::string>(api);
  EXPECT_EQ(std::get<ApiServer>(api).host, "fd00::1");

  // The configured address wins over the environment.
  api = resolve_api_server("https://kubernetes.default.svc:6443", lookup);
  ASSERT_TRUE(std::holds_alternative<ApiServer>(api));
  EXPECT_EQ(std::get<ApiServer>(api).host, "kubernetes.default.svc");
  EXPECT_EQ(std::get<ApiServer>(api).port, 6443);

  env.clear();
  api = resolve_api_server("", lookup);
  ASSERT_TRUE(std::holds_alternative<std::string>(api));
  EXPECT_NE(std::get<std::string>(api).find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  env["KUBERNETES_SERVICE_PORT"] = "http";
  EXPECT_TRUE(std::holds_alternative<std::string>(resolve_api_server("", lookup)));
}

class TokenFile : public ::testing::Test {
 protected:
  TokenFile() {
    std::random_device random;
    dir_ = fs::temp_directory_path() / ("panguard-token-" + std::to_string(random()));
    fs::create_directories(dir_);
  }
  ~TokenFile() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // Like the kubelet: the new token is a new file swapped in by rename.
  void write(const std::string& text) {
    std::ofstream(dir_ / "token.new", std::ios::binary) << text;
    fs::rename(dir_ / "token.new", dir_ / "token");
  }
  std::string path() const { return (dir_ / "token").string(); }
  fs::path dir_;
};

TEST_F(TokenFile, ReReadWhenRotated) {
  write("first-token\n");
  ServiceAccountToken token(path());
  EXPECT_EQ(token.current().token, "first-token");
  EXPECT_EQ(token.current().token, "first-token");
  write("second-token");
  EXPECT_EQ(token.current().token, "second-token");
}

TEST_F(TokenFile, ErrorsNameTheFileNotTheToken) {
  ServiceAccountToken missing(path());
  auto read = missing.current();
  EXPECT_EQ(read.token, "");
  EXPECT_NE(read.error.find(path()), std::string::npos);

  write("  \n");
  EXPECT_NE(ServiceAccountToken(path()).current().error.find("empty"), std::string::npos);
  write("secret-one\nsecret-two\n");
  read = ServiceAccountToken(path()).current();
  EXPECT_NE(read.error, "");
  EXPECT_EQ(read.error.find("secret"), std::string::npos) << read.error;
}

}  // namespace
}  // namespace panguard::agent::identity::kube
