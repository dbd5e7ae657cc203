// TLS on both sides of the Vault proxy, end to end: the real `panguard run` in front of an HTTPS
// VaultStandIn, and clients on the proxy's own TLS listener. Certificates are made per test by
// TestPki. Every refusal is checked at the application layer too: the stand-in must have
// recorded no request.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"
#include "test_pki.h"
#include "tls_client.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

std::string get_request(const std::string& target, const std::string& token, bool close = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: vault\r\n" + (close ? "Connection: close\r\n" : "") +
         "X-Panguard-Session: " + token + "\r\n\r\n";
}

const std::string kOwnSecret = "/v1/secret/data/tenants/acme/db";

class VaultProxyTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { pki_ = std::make_unique<TestPki>(scratch_.path(), "trusted"); }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  }

  void serve_upstream_tls(const CertFiles& cert) {
    stand_in_ = std::make_unique<VaultStandIn>(StandInTls{cert.cert, cert.key});
  }

  void start(const std::string& upstream, const std::string& extra_vault) {
    daemon_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        kPanguard, "run", "--config", proxy_config(scratch_, "enforce", upstream, extra_vault)});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    const auto port = listening_port(daemon_->stderr_text(), "vault proxy");
    ASSERT_TRUE(port) << daemon_->stderr_text();
    port_ = *port;
  }

  std::string trusted_ca_line() const { return "  upstream_ca_file: " + pki_->ca_file() + "\n"; }
  std::string https_upstream(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(stand_in_->port());
  }

  ScratchDir scratch_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<VaultStandIn> stand_in_;
  std::unique_ptr<ChildProcess> daemon_;
  uint16_t port_ = 0;
};

TEST_F(VaultProxyTlsTest, HttpsUpstreamIsVerifiedByNameWithSniAndConnectionsAreReused) {
  serve_upstream_tls(pki_->issue("vault", "DNS:localhost"));
  start(https_upstream("localhost"), trusted_ca_line());
  const std::string token = session_token("acme");
  const std::string response = raw_exchange(
      port_, get_request(kOwnSecret, token, false) + get_request(kOwnSecret, token, true));
  EXPECT_EQ(status_of(response), 200) << response;
  EXPECT_NE(response.find("HTTP/1.1 200", 1), std::string::npos) << response;
  EXPECT_NE(response.find("stand-in-secret"), std::string::npos);
  EXPECT_EQ(stand_in_->requests().size(), 2u);
  EXPECT_EQ(stand_in_->connections(), 1u);  // the idle TLS connection was reused
  EXPECT_EQ(stand_in_->server_names(), std::vector<std::string>{"localhost"});
}

TEST_F(VaultProxyTlsTest, HttpsUpstreamByAddressIsCheckedAgainstTheIpSan) {
  serve_upstream_tls(pki_->issue("vault", "IP:127.0.0.1"));
  start(https_upstream("127.0.0.1"), trusted_ca_line());
  const std::string response = raw_exchange(port_, get_request(kOwnSecret, session_token("acme")));
  EXPECT_EQ(status_of(response), 200) << response;
  EXPECT_EQ(stand_in_->server_names(), std::vector<std::string>{""});  // no SNI for an address
}

TEST_F(VaultProxyTlsTest, UpstreamFromAnotherCaIsRefusedWith502AndGetsNoRequest) {
  TestPki untrusted(scratch_.path(), "untrusted");
  serve_upstream_tls(untrusted.issue("vault", "DNS:localhost"));
  start(https_upstream("localhost"), trusted_ca_line());
  const std::string response = raw_exchange(port_, get_request(kOwnSecret, session_token("acme")));
  EXPECT_EQ(status_of(response), 502) << response;
  EXPECT_TRUE(daemon_->wait_for_stderr("certificate refused", 5s)) << daemon_->stderr_text();
  EXPECT_TRUE(daemon_->wait_for_stdout("\"rule\":\"Vault upstream certificate refused\"", 5s))
      << "a refused upstream certificate may be an interception: a platform alert, not a log";
  EXPECT_TRUE(stand_in_->requests().empty());
  EXPECT_EQ(stand_in_->server_names().size(), 0u);  // no handshake completed
}

TEST_F(VaultProxyTlsTest, UpstreamCertificateForAnotherNameIsRefusedWith502) {
  serve_upstream_tls(pki_->issue("vault", "DNS:vault.other.test"));
  start(https_upstream("localhost"), trusted_ca_line());
  const std::string response = raw_exchange(port_, get_request(kOwnSecret, session_token("acme")));
  EXPECT_EQ(status_of(response), 502) << response;
  EXPECT_TRUE(daemon_->wait_for_stderr("certificate refused", 5s)) << daemon_->stderr_text();
  EXPECT_TRUE(stand_in_->requests().empty());
}

TEST_F(VaultProxyTlsTest, WithoutCaFileTheSystemStoreIsUsedAndATestCaIsNotTrusted) {
  serve_upstream_tls(pki_->issue("vault", "DNS:localhost"));
  start(https_upstream("localhost"), "");
  const std::string response = raw_exchange(port_, get_request(kOwnSecret, session_token("acme")));
  EXPECT_EQ(status_of(response), 502) << response;
  EXPECT_TRUE(stand_in_->requests().empty());
}

TEST_F(VaultProxyTlsTest, TlsListenerServesClientsAndRefusesPlainHttp) {
  stand_in_ = std::make_unique<VaultStandIn>();
  const CertFiles listener = pki_->issue("proxy", "DNS:localhost,IP:127.0.0.1");
  start("http://127.0.0.1:" + std::to_string(stand_in_->port()),
        "  tls:\n    cert_file: " + listener.cert + "\n    key_file: " + listener.key + "\n");
  EXPECT_NE(daemon_->stderr_text().find(" (TLS) -> "), std::string::npos);

  const TlsExchange secure = tls_exchange(port_, pki_->ca_file(), "localhost",
                                          get_request(kOwnSecret, session_token("acme")));
  ASSERT_TRUE(secure.handshake_ok);
  EXPECT_EQ(status_of(secure.response), 200) << secure.response;
  EXPECT_EQ(stand_in_->requests().size(), 1u);

  const std::string plain = raw_exchange(port_, get_request(kOwnSecret, session_token("acme")));
  EXPECT_EQ(plain.find("HTTP/"), std::string::npos) << plain;
  EXPECT_TRUE(daemon_->wait_for_stderr("TLS handshake with a client failed", 5s));
  EXPECT_EQ(stand_in_->requests().size(), 1u);  // the plain request went nowhere
}

TEST_F(VaultProxyTlsTest, ListenerKeyReadableByOthersStopsStartup) {
  const CertFiles listener = pki_->issue("proxy", "DNS:localhost");
  ASSERT_EQ(::chmod(listener.key.c_str(), 0644), 0);
  const std::string config = proxy_config(
      scratch_, "enforce", "http://127.0.0.1:1",
      "  tls:\n    cert_file: " + listener.cert + "\n    key_file: " + listener.key + "\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("vault.tls.key_file: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("mode 0644"), std::string::npos) << result.err;
}

TEST_F(VaultProxyTlsTest, UnreadableCaFileStopsStartupNamingTheKey) {
  const std::string config =
      proxy_config(scratch_, "enforce", "https://127.0.0.1:1",
                   "  upstream_ca_file: " + (scratch_.path() / "absent.pem").string() + "\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("vault.upstream_ca_file: cannot load"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace panguard::integration
