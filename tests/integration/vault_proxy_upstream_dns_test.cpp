// The proxy follows its upstream's name when Vault moves (a headless Service, a failover): with no
// address accepting a connection, it resolves the name again and uses the new addresses. The
// daemon runs in its own mount namespace with a private /etc/hosts the test rewrites, so the real
// resolver (glibc's files source) answers, and the machine's /etc/hosts is never touched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

constexpr const char* kUpstreamName = "vault.upstream.panguard.test";
constexpr const char* kUnshare = "/usr/bin/unshare";  // util-linux, in every Debian install

// Rewritten in place (not renamed): the daemon's /etc/hosts is a bind mount of this inode.
void write_hosts(const std::string& path, const std::string& address) {
  std::ofstream(path, std::ios::trunc) << "127.0.0.1 localhost\n"
                                       << address << " " << kUpstreamName << "\n";
}

// `argv` (absolute path first) run with `hosts` bind-mounted over /etc/hosts in a new mount
// namespace (unshare(1) and sh exec, so the child's pid is the daemon's).
std::vector<std::string> with_hosts_file(const std::string& hosts, std::vector<std::string> argv) {
  std::vector<std::string> wrapped = {
      kUnshare, "--mount", "--", "/bin/sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
      hosts};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

std::string secret_request() {
  return "GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
         "X-Panguard-Session: " +
         session_token("acme") + "\r\n\r\n";
}

TEST(VaultProxyUpstreamDnsTest, ANameThatMovesIsResolvedAgainWhenItsAddressRefuses) {
  ScratchDir scratch;
  const std::string hosts = (scratch.path() / "hosts").string();
  write_hosts(hosts, "127.0.0.1");
  ChildProcess probe(with_hosts_file(hosts, {"/bin/true"}));
  if (getuid() != 0 || probe.wait_exit(std::chrono::seconds(10)) != 0) {
    GTEST_SKIP() << "needs root and mount namespaces (unshare --mount) for a private /etc/hosts: "
                 << probe.stderr_text();
  }

  auto first = std::make_unique<VaultStandIn>();
  VaultStandIn moved(std::nullopt, "127.0.0.2", first->port());  // same port, another address
  const std::string config =
      proxy_config(scratch, "enforce",
                   "http://" + std::string(kUpstreamName) + ":" + std::to_string(first->port()));
  ChildProcess daemon(with_hosts_file(hosts, {kPanguard, "run", "--config", config}));
  ASSERT_TRUE(daemon.wait_for_stderr(" ready\n", std::chrono::seconds(20))) << daemon.stderr_text();
  const auto port = listening_port(daemon.stderr_text(), "vault proxy");
  ASSERT_TRUE(port) << daemon.stderr_text();

  EXPECT_EQ(status_of(raw_exchange(*port, secret_request())), 200);
  EXPECT_EQ(first->requests().size(), 1u);

  // Vault moves: the name points elsewhere and the old address refuses connections.
  write_hosts(hosts, "127.0.0.2");
  first.reset();
  const std::string response = raw_exchange(*port, secret_request());
  EXPECT_EQ(status_of(response), 200) << response << daemon.stderr_text();
  EXPECT_EQ(moved.requests().size(), 1u);
  EXPECT_NE(daemon.stderr_text().find("resolves to others now"), std::string::npos)
      << daemon.stderr_text();

  // The new address stays in use without another lookup.
  EXPECT_EQ(status_of(raw_exchange(*port, secret_request())), 200);
  EXPECT_EQ(moved.requests().size(), 2u);

  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(std::chrono::seconds(10)), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace panguard::integration
