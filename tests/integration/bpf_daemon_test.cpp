// `panguard run` with the eBPF sensor on the real kernel: a process in a tenant's pod cgroup
// connects straight to the (watched) Vault port and the default pack's "Direct connection to
// Vault bypassing sidecar" fires through the real pipeline, attributed to the tenant via
// cgroup -> pod -> namespace (static mapping); a publish on another tenant's NATS subject raises
// "NATS subject of another tenant". Skips loudly when the sensor cannot load.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "agent/identity/cgroup_paths.h"
#include "bpf_test_support.h"
#include "process.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kPodUid = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
const std::string kContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class BpfDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "\n!!!!!!!! eBPF DAEMON TEST SKIPPED: not root !!!!!!!!";
    }
    const auto unified = agent::identity::detect_unified_mount();
    if (!unified) GTEST_SKIP() << "\n!!!!!!!! eBPF DAEMON TEST SKIPPED: no cgroup2 mount !!!!!!!!";
    unified_ = *unified;
    std::random_device random;
    dir_ = fs::temp_directory_path() / ("panguard-bpf-it-" + std::to_string(random()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (daemon_) {
      daemon_->send_signal(SIGTERM);
      daemon_->wait_exit(10s);
    }
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  std::string unified_;
  fs::path dir_;
  std::unique_ptr<ChildProcess> daemon_;
};

TEST_F(BpfDaemonTest, DirectVaultConnectionFromTenantPodRaisesBypassAlert) {
  Listener vault;
  Listener nats;
  ASSERT_GE(vault.fd, 0);
  ASSERT_GE(nats.fd, 0);
  const std::string port = std::to_string(vault.port);
  const std::string nats_port = std::to_string(nats.port);
  // The default pack, plus this test's ephemeral port as a Vault port.
  write("zz-test-port.yaml",
        "- list: vault_ports\n  items: [" + port + "]\n  override: {items: append}\n");
  write("mapping.yaml", "pods:\n  " + kPodUid +
                            ":\n    namespace: globex-prod\n    name: billing-7d9f\n"
                            "namespaces:\n  globex-prod: globex\n");
  const std::string config =
      write("panguard.yaml",
            "node_name: bpf-it-node\n"
            "rules:\n  paths: [" PANGUARD_SOURCE_DIR
            "/rules/packs/default, zz-test-port.yaml]\n"
            "admin:\n  listen: 127.0.0.1:0\n"
            "sensor:\n  enabled: true\n  watched_ports: [" +
                port + ", " + nats_port + "]\n  nats_ports: [" + nats_port +
                "]\n  process_events: false\n  pod_mapping_file: mapping.yaml\n"
                "  drop_report_period_ms: 100\n");
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PANGUARD_BIN, "run", "--config", config});
  ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
  const std::string err = daemon_->stderr_text();
  if (err.find("sensor: eBPF programs attached") == std::string::npos) {
    GTEST_SKIP() << "\n!!!!!!!! eBPF DAEMON TEST SKIPPED: the sensor did not start:\n"
                 << err << " !!!!!!!!";
  }

  KubepodsCgroup cgroup(unified_, kPodUid, kContainerId);
  ASSERT_TRUE(cgroup.ok()) << cgroup.error();
  const std::string foreign_publish = "PUB tenants.initech.orders 2\r\nhi\r\n";
  GatedChild child([&]() -> int {
    const int fd = connect_local(vault.port);
    if (fd < 0) return 10;
    ::close(fd);
    // And a publish on another tenant's NATS subject.
    const int bus = connect_local(nats.port);
    if (bus < 0) return 20;
    if (::write(bus, foreign_publish.data(), foreign_publish.size()) < 0) return 21;
    ::close(bus);
    return 0;
  });
  ASSERT_TRUE(cgroup.add_process(child.pid()));
  child.release();
  ASSERT_EQ(child.wait_exit(5000), 0);

  ASSERT_TRUE(
      daemon_->wait_for_stdout("\"rule\":\"Direct connection to Vault bypassing sidecar\"", 10s))
      << daemon_->stdout_text() << daemon_->stderr_text();
  // The alert line of this child: tenant from the cgroup, pod from the mapping.
  std::istringstream lines(daemon_->stdout_text());
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.find("bypassing sidecar") == std::string::npos) continue;
    const auto alert = nlohmann::json::parse(line);
    const auto& fields = alert["output_fields"];
    if (fields.value("proc.pid", int64_t{0}) != child.pid()) continue;
    found = true;
    EXPECT_EQ(alert["tenant_id"], "globex");
    EXPECT_EQ(alert["priority"], "critical");
    EXPECT_EQ(fields["tenant.source"], "cgroup");
    EXPECT_EQ(fields["k8s.namespace"], "globex-prod");
    EXPECT_EQ(fields["k8s.pod"], "billing-7d9f");
    EXPECT_EQ(fields["net.dport"], vault.port);
    EXPECT_EQ(fields["net.daddr"], "127.0.0.1");
  }
  EXPECT_TRUE(found) << daemon_->stdout_text();

  ASSERT_TRUE(daemon_->wait_for_stdout("\"rule\":\"NATS subject of another tenant\"", 10s))
      << daemon_->stdout_text() << daemon_->stderr_text();
  std::istringstream again(daemon_->stdout_text());
  bool cross = false;
  while (std::getline(again, line)) {
    if (line.find("NATS subject of another tenant") == std::string::npos) continue;
    const auto alert = nlohmann::json::parse(line);
    if (alert["output_fields"].value("nats.subject", "") != "tenants.initech.orders") continue;
    cross = true;
    EXPECT_EQ(alert["tenant_id"], "globex");
    EXPECT_EQ(alert["priority"], "critical");
    EXPECT_EQ(alert["output_fields"]["nats.subject_tenant"], "initech");
  }
  EXPECT_TRUE(cross) << daemon_->stdout_text();
}

TEST_F(BpfDaemonTest, FloodAgainstTinyRingBufferRaisesDropPlatformAlert) {
  Listener nats;
  ASSERT_GE(nats.fd, 0);
  const std::string config = write("panguard.yaml",
                                   "node_name: bpf-it-node\nadmin:\n  listen: 127.0.0.1:0\n"
                                   "sensor:\n  enabled: true\n  watched_ports: [" +
                                       std::to_string(nats.port) +
                                       "]\n  ring_buffer_bytes: 4096\n  payload_bytes: 256\n"
                                       "  drop_report_period_ms: 50\n");
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PANGUARD_BIN, "run", "--config", config});
  ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
  if (daemon_->stderr_text().find("sensor: eBPF programs attached") == std::string::npos) {
    GTEST_SKIP() << "\n!!!!!!!! eBPF DAEMON TEST SKIPPED: the sensor did not start:\n"
                 << daemon_->stderr_text() << " !!!!!!!!";
  }
  // The agent is stopped while the child floods, so nothing drains the ring buffer and drops are
  // certain: a consumer woken on another CPU can otherwise keep up with the flood.
  GatedChild child([&]() -> int {
    const int fd = connect_local(nats.port);
    if (fd < 0) return 10;
    const std::string chunk(512, 'p');
    for (int i = 0; i < 2'000; ++i) {
      if (::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT) < 0 && errno != EAGAIN) return 11;
    }
    ::close(fd);
    return 0;
  });
  daemon_->send_signal(SIGSTOP);
  child.release();
  const auto flooded = child.wait_exit(10'000);
  daemon_->send_signal(SIGCONT);
  ASSERT_EQ(flooded, 0);
  ASSERT_TRUE(daemon_->wait_for_stdout("\"rule\":\"Sensor ring buffer drops\"", 10s))
      << daemon_->stderr_text();
  EXPECT_TRUE(daemon_->wait_for_stderr("kernel records lost", 1s));
}

// enforce.vault_direct: deny, attached to this test's own cgroup subtree: the tenant pod's
// connect to Vault fails with EPERM in the kernel, the default pack's bypass alert says
// "deny", the sidecar's container still connects, and stopping the agent detaches the programs.
TEST_F(BpfDaemonTest, EnforcedVaultBypassIsRefusedInTheKernelAndAlertedAsDeny) {
  Listener vault;
  ASSERT_GE(vault.fd, 0);
  const std::string port = std::to_string(vault.port);
  KubepodsCgroup cgroup(unified_, kPodUid, kContainerId);
  ASSERT_TRUE(cgroup.ok()) << cgroup.error();
  const std::string pod_dir = cgroup.scope_path()
                                  .substr(0, cgroup.scope_path().rfind('/'))
                                  .substr(cgroup.base_path().size() + 1);
  const std::string sidecar = cgroup.add_cgroup(pod_dir + "/cri-containerd-sidecar.scope");
  ASSERT_FALSE(sidecar.empty());
  write("zz-test-port.yaml",
        "- list: vault_ports\n  items: [" + port + "]\n  override: {items: append}\n");
  write("mapping.yaml", "pods:\n  " + kPodUid +
                            ":\n    namespace: globex-prod\n    name: billing-7d9f\n"
                            "namespaces:\n  globex-prod: globex\n");
  const std::string config = write(
      "panguard.yaml",
      "node_name: bpf-it-node\n"
      "rules:\n  paths: [" PANGUARD_SOURCE_DIR
      "/rules/packs/default, zz-test-port.yaml]\n"
      "admin:\n  listen: 127.0.0.1:0\n"
      "sensor:\n  enabled: true\n  watched_ports: [" +
          port +
          "]\n  process_events: false\n  pod_mapping_file: mapping.yaml\n"
          "enforce:\n  vault_direct: deny\n  vault_addresses: [\"127.0.0.1:" +
          port + "\"]\n  allowed_cgroups: [" + cgroup.base_relative() + "/" + pod_dir +
          "/cri-containerd-sidecar.scope]\n  attach_cgroup: " + cgroup.base_relative() + "\n");
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{PANGUARD_BIN, "run", "--config", config});
  if (!daemon_->wait_for_stderr(" ready\n", 20s)) {
    const std::string err = daemon_->stderr_text();
    if (err.find("refusing to run unprotected") != std::string::npos) {
      GTEST_SKIP() << "\n!!!!!!!! eBPF DAEMON TEST SKIPPED: the kernel refused enforcement:\n"
                   << err << " !!!!!!!!";
    }
    FAIL() << err;
  }
  EXPECT_TRUE(daemon_->wait_for_stderr("enforce: direct connections to Vault", 1s));

  GatedChild tenant([&]() -> int { return connect_errno(vault.port) == EPERM ? 0 : 10; });
  ASSERT_TRUE(cgroup.add_process(tenant.pid()));
  tenant.release();
  ASSERT_EQ(tenant.wait_exit(5000), 0) << "the tenant's connect to Vault was not refused";
  GatedChild allowed([&]() -> int { return connect_errno(vault.port); });
  ASSERT_TRUE(move_to_cgroup(sidecar, allowed.pid()));
  allowed.release();
  ASSERT_EQ(allowed.wait_exit(5000), 0) << "the sidecar's connect to Vault was refused";

  ASSERT_TRUE(
      daemon_->wait_for_stdout("\"rule\":\"Direct connection to Vault bypassing sidecar\"", 10s))
      << daemon_->stdout_text() << daemon_->stderr_text();
  std::istringstream lines(daemon_->stdout_text());
  std::string line;
  int denied = 0;
  while (std::getline(lines, line)) {
    if (line.find("bypassing sidecar") == std::string::npos) continue;
    const auto alert = nlohmann::json::parse(line);
    if (alert["output_fields"].value("proc.pid", int64_t{0}) != tenant.pid()) continue;
    ++denied;
    EXPECT_EQ(alert["action"], "deny");
    EXPECT_EQ(alert["tenant_id"], "globex");
    EXPECT_EQ(alert["output_fields"]["net.dport"], vault.port);
  }
  EXPECT_EQ(denied, 1) << daemon_->stdout_text();

  // Stopped, the agent leaves nothing behind in the kernel: the same connect goes through.
  daemon_->send_signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  daemon_.reset();
  GatedChild after([&]() -> int { return connect_errno(vault.port); });
  ASSERT_TRUE(cgroup.add_process(after.pid()));
  after.release();
  EXPECT_EQ(after.wait_exit(5000), 0) << "still refused after the agent stopped";
}

// Enforcement that cannot be put in place stops startup, loudly: here the kernel refuses an
// unprivileged agent.
TEST_F(BpfDaemonTest, EnforcementThatCannotAttachStopsStartup) {
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv to drop privileges";
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  const std::string config = write("panguard.yaml",
                                   "admin:\n  listen: 127.0.0.1:0\nsensor:\n  enabled: true\n"
                                   "enforce:\n  vault_direct: deny\n"
                                   "  vault_addresses: [\"10.0.0.5:8200\"]\n");
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups", PANGUARD_BIN, "run", "--config", config});
  EXPECT_EQ(daemon_->wait_exit(20s), 3) << daemon_->stderr_text();
  EXPECT_NE(daemon_->stderr_text().find("enforce.vault_direct is deny but the kernel programs"),
            std::string::npos)
      << daemon_->stderr_text();
  EXPECT_EQ(daemon_->stderr_text().find(" ready\n"), std::string::npos);
  daemon_.reset();
}

// Without privileges the kernel refuses the load: the agent says why, reports the sensor
// degraded and keeps serving.
TEST_F(BpfDaemonTest, RefusedSensorLeavesTheAgentRunningAndDegraded) {
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv to drop privileges";
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  const std::string config =
      write("panguard.yaml", "admin:\n  listen: 127.0.0.1:0\nsensor:\n  enabled: true\n");
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups", PANGUARD_BIN, "run", "--config", config});
  ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
  const std::string err = daemon_->stderr_text();
  EXPECT_NE(err.find("sensor: not running, the agent continues without kernel events: load: "
                     "permission denied"),
            std::string::npos)
      << err;
  daemon_->send_signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
  daemon_.reset();
}

}  // namespace
}  // namespace panguard::integration
