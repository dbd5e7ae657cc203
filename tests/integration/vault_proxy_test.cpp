// The inline Vault proxy end to end: the real `panguard run` in front of a VaultStandIn, driven
// over raw sockets, checking both what the client gets and what reached the upstream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "eventually.h"
#include "http_client.h"
#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"
#include "tests/unit/vault/jwt_test_keys.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

using vault::testing::ed25519_key;
using vault::testing::jwks_text;
using vault::testing::sign_token;

constexpr const char* kIssuer = "https://issuer.panguard.test";
constexpr const char* kAudience = "vault-proxy";

std::string session_token(const std::string& tenant, int64_t expires_in_seconds = 600) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const nlohmann::json payload = {{"iss", kIssuer},         {"aud", kAudience},
                                  {"sub", tenant + "-app"}, {"exp", now + expires_in_seconds},
                                  {"iat", now - 10},        {"tenant_id", tenant}};
  return sign_token(ed25519_key(), R"({"alg":"EdDSA","kid":"session-1","typ":"JWT"})",
                    payload.dump());
}

struct RawResponse {
  int status = 0;  // 0: no response
  std::string text;
};

// raw_exchange() with the status line parsed (requests say Connection: close).
RawResponse proxy_exchange(uint16_t port, const std::string& request) {
  RawResponse response{0, raw_exchange(port, request)};
  if (response.text.rfind("HTTP/1.1 ", 0) == 0 && response.text.size() >= 12) {
    response.status = std::stoi(response.text.substr(9, 3));
  }
  return response;
}

std::string get_request(const std::string& target, const std::string& token) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n";
  if (!token.empty()) request += "X-Panguard-Session: " + token + "\r\n";
  return request + "\r\n";
}

class VaultProxyTest : public ::testing::Test {
 protected:
  void start(const std::string& mode) { start(mode, stand_in_.port()); }

  void start(const std::string& mode, uint16_t upstream_port) {
    scratch_.write("jwks.json", jwks_text({ed25519_key().jwk("session-1")}));
    const std::string config =
        scratch_.write("panguard.yaml",
                       "mode: " + mode +
                           "\nadmin:\n  listen: 127.0.0.1:0\nvault:\n  enabled: true\n"
                           "  listen: 127.0.0.1:0\n  upstream: http://127.0.0.1:" +
                           std::to_string(upstream_port) +
                           "\nidentity:\n  jwt:\n    jwks_file: jwks.json\n    issuer: " + kIssuer +
                           "\n    audience: " + kAudience + "\n");
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", config});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    std::smatch match;
    const std::string err = daemon_->stderr_text();
    ASSERT_TRUE(std::regex_search(err, match,
                                  std::regex("vault proxy listening on 127\\.0\\.0\\.1:(\\d+)")))
        << err;
    port_ = static_cast<uint16_t>(std::stoi(match[1]));
    ASSERT_TRUE(
        std::regex_search(err, match, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)")));
    admin_port_ = static_cast<uint16_t>(std::stoi(match[1]));
  }

  // The value of one series from /metrics, or -1 when absent.
  double metric(const std::string& series) {
    const std::string text = http_request(admin_port_, "GET", "/metrics").body;
    const std::size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  }

  // The alerts for `rule` once at least one has been written (stdout is asynchronous to us).
  std::vector<nlohmann::json> wait_for_alert(const std::string& rule) {
    daemon_->wait_for_stdout("\"rule\":\"" + rule + "\"", 5s);
    return alerts_for(daemon_->stdout_text(), rule);
  }

  VaultStandIn stand_in_;
  ScratchDir scratch_;
  std::unique_ptr<ChildProcess> daemon_;
  uint16_t port_ = 0;
  uint16_t admin_port_ = 0;
};

TEST_F(VaultProxyTest, OwnSecretIsForwardedWithoutTheSessionHeader) {
  start("enforce");
  const auto response =
      proxy_exchange(port_, get_request("/v1/secret/data/tenants/acme/db", session_token("acme")));
  EXPECT_EQ(response.status, 200) << response.text;
  EXPECT_NE(response.text.find("stand-in-secret"), std::string::npos);
  const auto seen = stand_in_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].head.rfind("GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\n", 0), 0u);
  std::string head = seen[0].head;
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(head.find("x-panguard-session"), std::string::npos) << seen[0].head;
}

TEST_F(VaultProxyTest, ForeignSecretIsDeniedWithCriticalAlertAndNeverForwarded) {
  start("enforce");
  const auto response = proxy_exchange(
      port_, get_request("/v1/secret/data/tenants/globex/db", session_token("acme")));
  EXPECT_EQ(response.status, 403) << response.text;
  EXPECT_NE(response.text.find("denied by panguard"), std::string::npos);
  EXPECT_NE(response.text.find("alert_ids"), std::string::npos);
  EXPECT_EQ(response.text.find("stand-in-secret"), std::string::npos);
  const auto alerts = wait_for_alert("Vault path of another tenant");
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  EXPECT_EQ(alerts[0]["priority"], "critical");
  EXPECT_EQ(alerts[0]["tenant_id"], "acme");
  EXPECT_NE(response.text.find(alerts[0]["id"].get<std::string>()), std::string::npos);
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, TraversalIsRejectedAndNeverForwarded) {
  start("enforce");
  const auto response = proxy_exchange(
      port_, get_request("/v1/secret/data/tenants/acme/../globex/x", session_token("acme")));
  EXPECT_EQ(response.status, 400) << response.text;
  EXPECT_NE(response.text.find("rejected: dot_segment"), std::string::npos) << response.text;
  const auto alerts = wait_for_alert("Vault request rejected");
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, SmugglingShapesAreRejectedAndNeverForwarded) {
  start("enforce");
  const std::string token = session_token("acme");
  const std::string prefix =
      "POST /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\n"
      "Connection: close\r\nX-Panguard-Session: " +
      token + "\r\n";
  EXPECT_EQ(
      proxy_exchange(port_, prefix + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}").status,
      400);
  EXPECT_EQ(proxy_exchange(port_, prefix + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "2\r\n{}\r\n0\r\n\r\n")
                .status,
            400);
  EXPECT_EQ(proxy_exchange(port_, prefix + "Content-Length: 2, 2\r\n\r\n{}").status, 400);
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, MissingSessionTokenIsUnauthorizedWithAlert) {
  start("enforce");
  const auto response = proxy_exchange(port_, get_request("/v1/secret/data/tenants/acme/db", ""));
  EXPECT_EQ(response.status, 401) << response.text;
  EXPECT_EQ(wait_for_alert("Vault request without verified tenant").size(), 1u)
      << daemon_->stdout_text();
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, ExpiredSessionTokenIsUnauthorized) {
  start("enforce");
  const auto response = proxy_exchange(
      port_, get_request("/v1/secret/data/tenants/acme/db", session_token("acme", -3600)));
  EXPECT_EQ(response.status, 401) << response.text;
  EXPECT_EQ(wait_for_alert("Vault request without verified tenant").size(), 1u);
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, DuplicateSessionHeadersAreRejected) {
  start("enforce");
  const std::string token = session_token("acme");
  const auto response = proxy_exchange(
      port_,
      "GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
      "X-Panguard-Session: " +
          token + "\r\nx-panguard-session: " + token + "\r\n\r\n");
  EXPECT_EQ(response.status, 400) << response.text;
  EXPECT_NE(response.text.find("duplicate_session_header"), std::string::npos);
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, MonitorModeForwardsForeignReadButStillAlerts) {
  start("monitor");
  const auto response = proxy_exchange(
      port_, get_request("/v1/secret/data/tenants/globex/db", session_token("acme")));
  EXPECT_EQ(response.status, 200) << response.text;
  const auto alerts = wait_for_alert("Vault path of another tenant");
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  EXPECT_EQ(alerts[0]["action"], "alert");
  EXPECT_EQ(stand_in_.requests().size(), 1u);
}

TEST_F(VaultProxyTest, ForeignLoginRoleIsDenied) {
  start("enforce");
  const std::string body = R"({"role":"globex-app","jwt":"service-account-token"})";
  const auto response = proxy_exchange(
      port_,
      "POST /v1/auth/kubernetes/login HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
      "X-Panguard-Session: " +
          session_token("acme") + "\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body);
  EXPECT_EQ(response.status, 403) << response.text;
  EXPECT_EQ(wait_for_alert("Vault login with another tenant's role").size(), 1u);
  EXPECT_TRUE(stand_in_.requests().empty());
}

TEST_F(VaultProxyTest, KeepAliveRequestsShareOneUpstreamConnection) {
  start("enforce");
  const std::string token = session_token("acme");
  // Two requests on one client connection; LIST is a method Beast has no verb for.
  const std::string first =
      "GET /v1/secret/data/tenants/acme/a HTTP/1.1\r\nHost: vault\r\n"
      "X-Panguard-Session: " +
      token + "\r\n\r\n";
  const std::string second =
      "LIST /v1/secret/metadata/tenants/acme/ HTTP/1.1\r\nHost: vault\r\n"
      "Connection: close\r\nX-Panguard-Session: " +
      token + "\r\n\r\n";
  const auto response = proxy_exchange(port_, first + second);
  EXPECT_EQ(response.text.find("HTTP/1.1 200"), 0u) << response.text;
  EXPECT_NE(response.text.find("HTTP/1.1 200", 1), std::string::npos) << response.text;
  const auto seen = stand_in_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].head.rfind("LIST /v1/secret/metadata/tenants/acme/ HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(stand_in_.connections(), 1u);
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"forwarded\"}"), 2);
}

TEST_F(VaultProxyTest, OversizedBodyIsRefusedBeforeItIsRead) {
  start("enforce");
  const auto response =
      proxy_exchange(port_,
                     "PUT /v1/secret/data/tenants/acme/a HTTP/1.1\r\nHost: vault\r\n"
                     "Connection: close\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(response.status, 413) << response.text;
  EXPECT_TRUE(stand_in_.requests().empty());
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"rejected\"}"), 1);
}

TEST_F(VaultProxyTest, OversizedHeaderIs431WithPlatformAlertAndNeverForwarded) {
  start("enforce");
  const std::string padding(20'000, 'a');  // over the 16 KiB header limit
  const auto response =
      proxy_exchange(port_,
                     "GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\n"
                     "Connection: close\r\nX-Padding: " +
                         padding + "\r\nX-Panguard-Session: " + session_token("acme") + "\r\n\r\n");
  EXPECT_EQ(response.status, 431) << response.text;
  const auto alerts = wait_for_alert("Vault request rejected");
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  EXPECT_NE(alerts[0].dump().find("header_too_large"), std::string::npos) << alerts[0].dump();
  EXPECT_EQ(alerts[0].dump().find(padding.substr(0, 64)), std::string::npos);
  EXPECT_TRUE(stand_in_.requests().empty());
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"rejected\"}"), 1);
}

// A client that says "Expect: 100-continue" holds its body back until told to go on; without the
// 100 it would wait out its own timer (curl: 1 s) on every such request.
TEST_F(VaultProxyTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  start("enforce");
  const std::string body = R"({"data":{"password":"s3cret"}})";
  const int fd = connect_loopback(port_);
  ASSERT_GE(fd, 0);
  const std::string head =
      "PUT /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\n"
      "Connection: close\r\nExpect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nX-Panguard-Session: " + session_token("acme") + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const timeval wait{3, 0};  // well under the proxy's 10 s request read timeout
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  std::string interim;
  char byte;
  while (interim.find("\r\n\r\n") == std::string::npos && ::recv(fd, &byte, 1, 0) == 1) {
    interim.push_back(byte);
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_TRUE(stand_in_.requests().empty()) << "nothing goes upstream before the body";

  ASSERT_EQ(::send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  const std::string final_answer = read_until_closed(fd);
  ::close(fd);
  EXPECT_EQ(final_answer.rfind("HTTP/1.1 200 ", 0), 0u) << final_answer;
  const auto seen = stand_in_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].head.find("Expect"), std::string::npos) << seen[0].head;
}

// An expectation the proxy cannot meet is refused (RFC 9110 s10.1.1), not ignored: the client
// would wait on it. A request with a body already sent needs no 100 and gets none.
TEST_F(VaultProxyTest, UnsupportedExpectationIs417AndNeverForwarded) {
  start("enforce");
  const std::string prefix =
      "PUT /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
      "Content-Length: 2\r\nX-Panguard-Session: " +
      session_token("acme") + "\r\n";
  const auto refused = proxy_exchange(port_, prefix + "Expect: 200-ok\r\n\r\n{}");
  EXPECT_EQ(refused.status, 417) << refused.text;
  const auto alerts = wait_for_alert("Vault request rejected");
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  EXPECT_NE(alerts[0].dump().find("unsupported_expectation"), std::string::npos);
  EXPECT_TRUE(stand_in_.requests().empty());

  const auto sent = proxy_exchange(port_, prefix + "Expect: 100-continue\r\n\r\n{}");
  EXPECT_EQ(sent.status, 200) << sent.text;
  EXPECT_EQ(sent.text.find("100 Continue"), std::string::npos) << sent.text;
  EXPECT_EQ(stand_in_.requests().size(), 1u);
}

TEST_F(VaultProxyTest, UpstreamDownAnswers502) {
  // A port that was free a moment ago: nothing listens there.
  uint16_t closed_port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
    closed_port = ntohs(address.sin_port);
    ::close(fd);
  }
  start("enforce", closed_port);
  const auto response =
      proxy_exchange(port_, get_request("/v1/secret/data/tenants/acme/db", session_token("acme")));
  EXPECT_EQ(response.status, 502) << response.text;
  EXPECT_NE(response.text.find("vault upstream unavailable"), std::string::npos);
  EXPECT_TRUE(daemon_->wait_for_stderr("vault proxy: upstream error", 5s));
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"upstream_error\"}"), 1);
}

TEST_F(VaultProxyTest, DeniedAndUnauthenticatedAreCounted) {
  start("enforce");
  proxy_exchange(port_, get_request("/v1/secret/data/tenants/globex/db", session_token("acme")));
  proxy_exchange(port_, get_request("/v1/secret/data/tenants/acme/db", "not-a-jwt"));
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"denied\"}"), 1);
  EXPECT_EQ(metric("panguard_vault_requests_total{outcome=\"unauthenticated\"}"), 1);
  // No tenant id anywhere in the metrics.
  EXPECT_EQ(http_request(admin_port_, "GET", "/metrics").body.find("acme"), std::string::npos);
}

TEST_F(VaultProxyTest, SigtermLetsARequestInFlightFinish) {
  start("enforce");
  stand_in_.set_answer_delay(2s);  // room for a loaded machine, short of the 5 s drain timeout
  using Clock = std::chrono::steady_clock;
  RawResponse response;
  Clock::time_point answered;
  std::thread client([&] {
    response = proxy_exchange(
        port_, get_request("/v1/secret/data/tenants/acme/db", session_token("acme")));
    answered = Clock::now();
  });
  const bool arrived = eventually([&] { return !stand_in_.requests().empty(); }, 10s);
  const auto sigterm_at = Clock::now();
  daemon_->send_signal(SIGTERM);
  client.join();
  // It reached Vault before SIGTERM and was answered after it: in flight.
  ASSERT_TRUE(arrived) << "the request never reached Vault";
  ASSERT_TRUE(answered > sigterm_at)
      << "answered "
      << std::chrono::duration_cast<std::chrono::milliseconds>(sigterm_at - answered).count()
      << " ms before SIGTERM";
  EXPECT_EQ(response.status, 200) << response.text;
  EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  daemon_.reset();  // already stopped: TearDown has nothing left to do
}

TEST(VaultProxyStartupTest, BadJwksFileStopsStartupNamingTheKey) {
  ScratchDir scratch;
  scratch.write("jwks.json", R"({"keys":[{"kid":"k","alg":"none"}]})");
  const std::string body =
      "admin:\n  listen: 127.0.0.1:0\nvault:\n  enabled: true\n  listen: 127.0.0.1:0\n"
      "  upstream: http://127.0.0.1:1\nidentity:\n  jwt:\n    issuer: i\n    audience: a\n";
  const RunResult invalid =
      run_process({kPanguard, "run", "--config",
                   scratch.write("invalid.yaml", body + "    jwks_file: jwks.json\n")});
  EXPECT_EQ(invalid.exit_code, 1) << invalid.err;
  EXPECT_NE(invalid.err.find("identity.jwt.jwks_file: "), std::string::npos) << invalid.err;

  const RunResult missing =
      run_process({kPanguard, "run", "--config",
                   scratch.write("missing.yaml", body + "    jwks_file: absent.json\n")});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("identity.jwt.jwks_file: cannot read"), std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace panguard::integration
