// Token-to-workload binding on the real kernel: `panguard run` in enforce mode with the eBPF
// sensor and the Vault proxy in front of a stand-in. A process placed in one tenant's pod cgroup
// presents a session token of another tenant: the proxy finds the calling pod from the kernel's
// connect record (4-tuple -> cgroup -> pod -> tenant), answers 403, raises the critical
// "Session token used from another tenant's workload" alert and forwards nothing. The same
// tenant's token passes; a pod missing from the mapping, and a host process, are not mistaken
// for a mismatch. Skips loudly when the sensor cannot load.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "agent/identity/cgroup_paths.h"
#include "bpf_test_support.h"
#include "process.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;

const std::string kGlobexPod = "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d";
const std::string kUnmappedPod = "4b5c6d7e-8f9a-4b1c-8d2e-3f4a5b6c7d8e";
const std::string kContainerId = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const std::string kMismatchRule = "Session token used from another tenant's workload";
const std::string kUnboundRule = "Vault session from a pod with no known tenant";

// Child side: one request on a fresh connection; the exit code says the answer (0 = 200,
// 3 = 403, 4 = 401, 9 = anything else, 1x = socket trouble). Raw syscalls only (after fork).
int exchange(uint16_t port, const std::string& request) {
  const int fd = connect_local(port);
  if (fd < 0) return 10;
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return 11;
  }
  char buffer[4096];
  std::size_t have = 0;
  while (have < 12) {
    const ssize_t n = ::read(fd, buffer + have, sizeof(buffer) - have);
    if (n <= 0) return 12;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const std::string status(buffer + 9, 3);
  if (status == "200") return 0;
  if (status == "403") return 3;
  if (status == "401") return 4;
  return 9;
}

std::string get_request(const std::string& tenant, const std::string& token) {
  return "GET /v1/secret/data/tenants/" + tenant +
         "/db HTTP/1.1\r\nHost: vault\r\nConnection: close\r\nX-Panguard-Session: " + token +
         "\r\n\r\n";
}

class BpfVaultBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "\n!!!!!!!! eBPF VAULT BINDING TEST SKIPPED: not root !!!!!!!!";
    }
    const auto unified = agent::identity::detect_unified_mount();
    if (!unified) {
      GTEST_SKIP() << "\n!!!!!!!! eBPF VAULT BINDING TEST SKIPPED: no cgroup2 mount !!!!!!!!";
    }
    unified_ = *unified;
    const std::string mapping =
        scratch_.write("mapping.yaml", "pods:\n  " + kGlobexPod +
                                           ":\n    namespace: globex-prod\n    name: billing-7d9f\n"
                                           "namespaces:\n  globex-prod: globex\n");
    const std::string base = read_file(
        proxy_config(scratch_, "enforce", "http://127.0.0.1:" + std::to_string(vault_.port())));
    const std::string config =
        scratch_.write("panguard.yaml", "node_name: bpf-binding-node\n" + base +
                                            "sensor:\n  enabled: true\n  process_events: false\n"
                                            "  pod_mapping_file: " +
                                            mapping + "\n");
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{PANGUARD_BIN, "run", "--config", config});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    const std::string err = daemon_->stderr_text();
    if (err.find("sensor: eBPF programs attached") == std::string::npos) {
      GTEST_SKIP() << "\n!!!!!!!! eBPF VAULT BINDING TEST SKIPPED: the sensor did not start:\n"
                   << err << " !!!!!!!!";
    }
    ASSERT_NE(err.find("calling workloads resolved from the kernel's connect records"),
              std::string::npos)
        << err;
    const auto port = listening_port(err, "vault proxy");
    ASSERT_TRUE(port) << err;
    proxy_port_ = *port;
  }
  void TearDown() override {
    if (daemon_) {
      daemon_->send_signal(SIGTERM);
      daemon_->wait_exit(10s);
    }
  }

  // Runs `request` from a child placed in `cgroup` (or left in the test's own cgroup).
  std::pair<int, pid_t> request_from(const KubepodsCgroup* cgroup, const std::string& request) {
    const uint16_t port = proxy_port_;
    GatedChild child([port, request] { return exchange(port, request); });
    if (cgroup) {
      EXPECT_TRUE(cgroup->add_process(child.pid()));
    }
    child.release();
    const auto code = child.wait_exit(10'000);
    return {code.value_or(-1), child.pid()};
  }

  // Alert lines for `rule` raised for the request of process `pid`.
  std::vector<nlohmann::json> alerts_for(const std::string& rule, pid_t pid) const {
    std::vector<nlohmann::json> found;
    std::istringstream lines(daemon_->stdout_text());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find(rule) == std::string::npos) continue;
      auto alert = nlohmann::json::parse(line, nullptr, false);
      if (alert.is_discarded() || alert.value("rule", "") != rule) continue;
      if (alert["output_fields"].value("client.pid", int64_t{0}) != pid) continue;
      found.push_back(std::move(alert));
    }
    return found;
  }

  ScratchDir scratch_;
  VaultStandIn vault_;
  std::string unified_;
  std::unique_ptr<ChildProcess> daemon_;
  uint16_t proxy_port_ = 0;
};

TEST_F(BpfVaultBindingTest, TokenOfAnotherTenantFromAPodIsDeniedAndAlerted) {
  KubepodsCgroup globex(unified_, kGlobexPod, kContainerId);
  ASSERT_TRUE(globex.ok()) << globex.error();

  // globex's pod with initech's token, asking for initech's own secret: every JWT rule passes,
  // only the binding catches it.
  const auto [code, pid] = request_from(&globex, get_request("initech", session_token("initech")));
  EXPECT_EQ(code, 3) << daemon_->stderr_text();
  ASSERT_TRUE(daemon_->wait_for_stdout(kMismatchRule, 10s)) << daemon_->stdout_text();
  const auto alerts = alerts_for(kMismatchRule, pid);
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text();
  const auto& alert = alerts.front();
  EXPECT_EQ(alert["priority"], "critical");
  EXPECT_EQ(alert["tenant_id"], "initech");
  const auto& fields = alert["output_fields"];
  EXPECT_EQ(fields["client.tenant_id"], "globex");
  EXPECT_EQ(fields["client.source"], "bpf");
  EXPECT_EQ(fields["client.namespace"], "globex-prod");
  EXPECT_EQ(fields["client.pod"], "billing-7d9f");
  EXPECT_EQ(fields["client.cgroup_id"], static_cast<int64_t>(globex.scope_id()));
  EXPECT_TRUE(vault_.requests().empty()) << "a denied request reached Vault";

  // The same pod with its own tenant's token: forwarded, no binding alert.
  const auto [own_code, own_pid] =
      request_from(&globex, get_request("globex", session_token("globex")));
  EXPECT_EQ(own_code, 0) << daemon_->stderr_text();
  EXPECT_EQ(vault_.requests().size(), 1u);
  EXPECT_TRUE(alerts_for(kMismatchRule, own_pid).empty()) << daemon_->stdout_text();
}

TEST_F(BpfVaultBindingTest, PeersWithoutAKnownTenantAreNotAMismatch) {
  // A pod the mapping does not know: its tenant is unknown, so no mismatch can be claimed; the
  // notice says the request is not bound to a workload.
  KubepodsCgroup unmapped(unified_, kUnmappedPod, kContainerId);
  ASSERT_TRUE(unmapped.ok()) << unmapped.error();
  const auto [code, pid] =
      request_from(&unmapped, get_request("initech", session_token("initech")));
  EXPECT_EQ(code, 0) << daemon_->stderr_text();
  ASSERT_TRUE(daemon_->wait_for_stdout(kUnboundRule, 10s)) << daemon_->stdout_text();
  const auto unbound = alerts_for(kUnboundRule, pid);
  ASSERT_EQ(unbound.size(), 1u) << daemon_->stdout_text();
  EXPECT_EQ(unbound.front()["output_fields"]["client.pod_uid"], kUnmappedPod);
  EXPECT_TRUE(alerts_for(kMismatchRule, pid).empty()) << daemon_->stdout_text();

  // A host process (not in any pod): forwarded, neither alert.
  const auto [host_code, host_pid] =
      request_from(nullptr, get_request("initech", session_token("initech")));
  EXPECT_EQ(host_code, 0) << daemon_->stderr_text();
  EXPECT_EQ(vault_.requests().size(), 2u);
  EXPECT_TRUE(alerts_for(kMismatchRule, host_pid).empty()) << daemon_->stdout_text();
  EXPECT_TRUE(alerts_for(kUnboundRule, host_pid).empty()) << daemon_->stdout_text();
}

}  // namespace
}  // namespace panguard::integration
