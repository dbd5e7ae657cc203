// vault.* and identity.jwt.* in the config loader: defaults, every key, and errors that name it.
#include <gtest/gtest.h>

#include "agent/config/config_loader.h"
#include "config_test_support.h"

namespace panguard::agent {
namespace {

using testing::parse;
using testing::parse_error;
using testing::parse_ok;

const std::string kEnabled = R"(
vault:
  enabled: true
  upstream: http://127.0.0.1:8200
identity:
  jwt:
    jwks_file: keys/jwks.json
    issuer: https://issuer.test
    audience: vault-proxy
)";

TEST(VaultConfigTest, DefaultsAreOffWithTheStandardPatterns) {
  const auto config = parse_ok("");
  ASSERT_TRUE(config);
  const VaultSettings& vault = config->vault();
  EXPECT_FALSE(vault.enabled);
  EXPECT_EQ(vault.listen.to_string(), "127.0.0.1:8201");
  EXPECT_FALSE(vault.upstream);
  EXPECT_EQ(vault.session_header, "X-Panguard-Session");
  EXPECT_EQ(vault.tenant_paths.size(), 6u);
  EXPECT_EQ(vault.tenant_paths.front(), "secret/data/tenants/{tenant}/**");
  EXPECT_EQ(vault.tenant_namespace, "tenants/{tenant}");
  EXPECT_EQ(vault.tenant_roles, std::vector<std::string>{"{tenant}-*"});
  EXPECT_EQ(vault.kv2_mounts, std::vector<std::string>{"secret"});
  EXPECT_EQ(vault.io_threads, 1u);
  EXPECT_EQ(config->jwt().tenant_claim, "tenant_id");
  EXPECT_EQ(config->jwt().leeway_seconds, 30);
}

TEST(VaultConfigTest, ReadsEveryKey) {
  const auto config = parse_ok(kEnabled + R"(
    tenant_claim: org
    leeway_seconds: 5
)" + R"(
)");
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->vault().enabled);
  EXPECT_EQ(config->vault().upstream->to_string(), "http://127.0.0.1:8200");
  EXPECT_EQ(config->jwt().jwks_file, "/etc/panguard/keys/jwks.json");
  EXPECT_EQ(config->jwt().issuer, "https://issuer.test");
  EXPECT_EQ(config->jwt().audience, "vault-proxy");
  EXPECT_EQ(config->jwt().tenant_claim, "org");
  EXPECT_EQ(config->jwt().leeway_seconds, 5);

  const auto patterns = parse_ok(R"(
vault:
  listen: 127.0.0.1:0
  session_header: X-Session
  tenant_paths: ["kv/{tenant}/**"]
  tenant_namespace: "orgs/{tenant}"
  tenant_roles: ["role-{tenant}"]
  kv2_mounts: [kv]
  io_threads: 4
)");
  ASSERT_TRUE(patterns);
  EXPECT_EQ(patterns->vault().listen.port, 0);
  EXPECT_EQ(patterns->vault().session_header, "X-Session");
  EXPECT_EQ(patterns->vault().tenant_paths, std::vector<std::string>{"kv/{tenant}/**"});
  EXPECT_EQ(patterns->vault().tenant_namespace, "orgs/{tenant}");
  EXPECT_EQ(patterns->vault().tenant_roles, std::vector<std::string>{"role-{tenant}"});
  EXPECT_EQ(patterns->vault().kv2_mounts, std::vector<std::string>{"kv"});
  EXPECT_EQ(patterns->vault().io_threads, 4u);
}

TEST(VaultConfigTest, AnExplicitEmptyListIsNotReplacedByDefaults) {
  const auto config = parse_ok("vault:\n  tenant_roles: []\n");
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->vault().tenant_roles.empty());
  EXPECT_EQ(config->vault().tenant_paths.size(), 6u);
}

TEST(VaultConfigTest, EnabledNeedsUpstreamAndJwtKeys) {
  EXPECT_NE(parse_error("vault:\n  enabled: true\n").find("vault.upstream: required"),
            std::string::npos);
  const std::string no_jwks = "vault:\n  enabled: true\n  upstream: http://vault:8200\n";
  EXPECT_NE(parse_error(no_jwks).find("identity.jwt.jwks_file: required"), std::string::npos);
  EXPECT_NE(parse_error(no_jwks + "identity:\n  jwt:\n    jwks_file: j.json\n")
                .find("identity.jwt.issuer: required"),
            std::string::npos);
  EXPECT_NE(parse_error(no_jwks + "identity:\n  jwt:\n    jwks_file: j.json\n    issuer: i\n")
                .find("identity.jwt.audience: required"),
            std::string::npos);
}

TEST(VaultConfigTest, ErrorsNameTheKey) {
  EXPECT_NE(parse_error("vault:\n  upstream: vault:8200\n").find("vault.upstream: expected"),
            std::string::npos);
  EXPECT_NE(
      parse_error("vault:\n  listen: 10.0.0.1:8201\n").find("vault.listen: must be a loopback"),
      std::string::npos);
  EXPECT_NE(parse_error("vault:\n  enable: true\n").find("vault.enable: unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  enabled: yes\n").find("vault.enabled: expected true or false"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  session_header: \"X Bad\"\n").find("vault.session_header"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  tenant_paths: [\"secret/**/x\"]\n").find("vault.tenant_paths:"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  tenant_roles: [\"a/{tenant}\"]\n").find("vault.tenant_roles:"),
            std::string::npos);
  EXPECT_NE(
      parse_error("vault:\n  kv2_mounts: [\"\"]\n").find("vault.kv2_mounts[0]: must not be empty"),
      std::string::npos);
  EXPECT_NE(parse_error("vault:\n  io_threads: 0\n").find("vault.io_threads"), std::string::npos);
  EXPECT_NE(parse_error("vault:\n  io_threads: 65\n").find("vault.io_threads"), std::string::npos);
  EXPECT_NE(parse_error("identity:\n  jwt:\n    leeway_seconds: 61\n")
                .find("identity.jwt.leeway_seconds: expected a whole number of seconds, 0 to 60"),
            std::string::npos);
  EXPECT_NE(parse_error("identity:\n  jwt:\n    leeway_seconds: -1\n").find("leeway_seconds"),
            std::string::npos);
  EXPECT_NE(parse_error("identity:\n  jwt:\n    jku: x\n").find("identity.jwt.jku: unknown key"),
            std::string::npos);
}

TEST(VaultConfigTest, HttpsUpstreamWithCaFileAndListenerTls) {
  const auto config = parse_ok(R"(
vault:
  upstream: https://vault.internal:8200/
  upstream_ca_file: tls/vault-ca.pem
  tls:
    cert_file: tls/proxy.crt
    key_file: /secure/proxy.key
)");
  ASSERT_TRUE(config);
  const VaultSettings& vault = config->vault();
  ASSERT_TRUE(vault.upstream);
  EXPECT_TRUE(vault.upstream->tls);
  EXPECT_EQ(vault.upstream->host, "vault.internal");
  EXPECT_EQ(vault.upstream->port, 8200);
  EXPECT_EQ(vault.upstream->to_string(), "https://vault.internal:8200");
  EXPECT_EQ(vault.upstream_ca_file, "/etc/panguard/tls/vault-ca.pem");
  EXPECT_TRUE(vault.tls.enabled());
  EXPECT_EQ(vault.tls.cert_file, "/etc/panguard/tls/proxy.crt");
  EXPECT_EQ(vault.tls.key_file, "/secure/proxy.key");

  // No CA file: the system trust store. Plain http stays plain; no listener TLS by default.
  const auto https = parse_ok("vault:\n  upstream: https://[::1]:8200\n");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->vault().upstream->tls);
  EXPECT_EQ(https->vault().upstream->host, "::1");
  EXPECT_TRUE(https->vault().upstream_ca_file.empty());
  EXPECT_FALSE(https->vault().tls.enabled());
  const auto plain = parse_ok("vault:\n  upstream: http://vault:8200\n");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->vault().upstream->tls);
}

TEST(VaultConfigTest, UpstreamSchemeIsMatchedExactly) {
  for (const std::string bad :
       {"HTTPS://vault:8200", "Https://vault:8200", "https:/vault:8200", "https//vault:8200",
        "ftp://vault:8200", "httpss://vault:8200", " https://vault:8200", "vault:8200"}) {
    EXPECT_NE(parse_error("vault:\n  upstream: \"" + bad + "\"\n").find("vault.upstream: expected"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(parse_error("vault:\n  upstream: https://vault:8200/v1\n").find("no path"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  upstream: https://user@vault:8200\n").find("user info"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  upstream: https://vault\n").find("the port is required"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  upstream: \"https://va%6Cult:8200\"\n")
                .find("the host must be a DNS name or an IP address"),
            std::string::npos);
}

TEST(VaultConfigTest, TlsKeyErrorsNameTheKey) {
  EXPECT_NE(parse_error("vault:\n  tls:\n    cert_file: c.pem\n")
                .find("vault.tls.key_file: vault.tls needs both cert_file and key_file"),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  tls:\n    key_file: k.pem\n").find("vault.tls.cert_file: "),
            std::string::npos);
  EXPECT_NE(parse_error("vault:\n  tls:\n    cert_file: \"\"\n    key_file: k.pem\n")
                .find("vault.tls.cert_file: must not be empty"),
            std::string::npos);
  EXPECT_NE(
      parse_error("vault:\n  tls:\n    ca_file: c.pem\n").find("vault.tls.ca_file: unknown key"),
      std::string::npos);
  EXPECT_NE(parse_error("vault:\n  upstream: http://vault:8200\n  upstream_ca_file: ca.pem\n")
                .find("vault.upstream_ca_file: only used with an https:// vault.upstream"),
            std::string::npos);
  // Verification cannot be switched off: there is no key for it.
  EXPECT_NE(parse_error("vault:\n  upstream_tls_verify: false\n")
                .find("vault.upstream_tls_verify: unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace panguard::agent
