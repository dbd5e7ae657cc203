#include "vault_proxy_harness.h"

#include <chrono>
#include <csignal>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/unit/vault/jwt_test_keys.h"

namespace panguard::integration {

using vault::testing::ed25519_key;
using vault::testing::jwks_text;
using vault::testing::sign_token;

std::string session_token(const std::string& tenant, int64_t expires_in_seconds) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const nlohmann::json payload = {{"iss", kSessionIssuer},  {"aud", kSessionAudience},
                                  {"sub", tenant + "-app"}, {"exp", now + expires_in_seconds},
                                  {"iat", now - 10},        {"tenant_id", tenant}};
  return sign_token(ed25519_key(), R"({"alg":"EdDSA","kid":"session-1","typ":"JWT"})",
                    payload.dump());
}

std::string proxy_config(const ScratchDir& scratch, const std::string& mode,
                         const std::string& upstream, const std::string& extra_vault) {
  scratch.write("jwks.json", jwks_text({ed25519_key().jwk("session-1")}));
  return scratch.write("panguard.yaml", "mode: " + mode +
                                            "\nadmin:\n  listen: 127.0.0.1:0\nvault:\n"
                                            "  enabled: true\n  listen: 127.0.0.1:0\n"
                                            "  upstream: " +
                                            upstream + "\n" + extra_vault +
                                            "identity:\n  jwt:\n    jwks_file: jwks.json\n"
                                            "    issuer: " +
                                            kSessionIssuer + "\n    audience: " + kSessionAudience +
                                            "\n");
}

std::optional<uint16_t> listening_port(const std::string& stderr_text, const std::string& what) {
  std::smatch match;
  if (!std::regex_search(stderr_text, match,
                         std::regex(what + " listening on 127\\.0\\.0\\.1:(\\d+)"))) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(std::stoi(match[1]));
}

ProxyDaemon ProxyDaemon::start(const std::string& config) {
  ProxyDaemon daemon{std::make_unique<ChildProcess>(
      std::vector<std::string>{kPanguard, "run", "--config", config})};
  if (!daemon.process->wait_for_stderr(" ready\n", std::chrono::seconds(20))) return daemon;
  daemon.port = listening_port(daemon.process->stderr_text(), "vault proxy").value_or(0);
  return daemon;
}

std::optional<int> ProxyDaemon::stop() {
  process->send_signal(SIGTERM);
  return process->wait_exit(std::chrono::seconds(10));
}

int status_of(const std::string& response_text) {
  if (response_text.rfind("HTTP/1.1 ", 0) != 0 || response_text.size() < 12) return 0;
  return std::stoi(response_text.substr(9, 3));
}

}  // namespace panguard::integration
