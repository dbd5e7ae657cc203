// In-kernel enforcement and the kernel-side cgroup filter on the real kernel. A kubepods-shaped
// hierarchy holds a tenant's container and the Vault sidecar's; the cgroup/connect programs are
// attached to the test's own top directory (never the host root, so nothing else on the machine
// is affected) and refuse the tenant's connects to the "Vault" listener. Run as root; when the
// kernel refuses the programs the tests SKIP with the loud reason .ci/run looks for.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "agent/sources/bpf/bpf_sensor.h"
#include "agent/sources/bpf/cgroup_selection.h"
#include "agent/sources/bpf/sensor_events.h"
#include "bpf_test_support.h"

namespace panguard::integration {
namespace {

using agent::sensor::BpfSensorOptions;
using agent::sensor::EnforcedAddress;
using rules::Event;
using rules::FieldId;

const std::string kPodUid = "3b4c5d6e-7f80-4192-a3b4-c5d6e7f8091a";
const std::string kContainerId = "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44";

bool enforced(const Event& e) {
  const bool* b = e.get_bool(FieldId::kNetEnforced);
  return b && *b;
}

EnforcedAddress loopback(uint16_t port, bool ipv6) {
  EnforcedAddress a;
  a.port = port;
  if (ipv6) {
    a.address[15] = 1;  // ::1
  } else {
    a.address[10] = 0xff;  // ::ffff:127.0.0.1
    a.address[11] = 0xff;
    a.address[12] = 127;
    a.address[15] = 1;
  }
  return a;
}

// Runs `script` in a child moved into `cgroup_dir` first; returns its exit code (-1: timeout).
int run_in(const std::string& cgroup_dir, std::function<int()> script, pid_t* pid = nullptr) {
  GatedChild child(std::move(script));
  if (child.pid() <= 0 || !move_to_cgroup(cgroup_dir, child.pid())) return -2;
  if (pid) *pid = child.pid();
  child.release();
  return child.wait_exit(5000).value_or(-1);
}

class BpfEnforceTest : public BpfSensorFixture {
 protected:
  void SetUp() override {
    set_up_identity("CAP_BPF, CAP_NET_ADMIN", "pods:\n  " + kPodUid +
                                                  ":\n    namespace: globex-prod\n    name: api\n"
                                                  "namespaces:\n  globex-prod: globex\n");
    if (IsSkipped() || HasFatalFailure()) return;

    cgroup_ = std::make_unique<KubepodsCgroup>(unified_, kPodUid, kContainerId);
    ASSERT_TRUE(cgroup_->ok()) << cgroup_->error();
    const std::string pod = cgroup_->scope_path().substr(cgroup_->base_path().size() + 1);
    const std::string pod_dir = pod.substr(0, pod.rfind('/'));
    sidecar_ = cgroup_->add_cgroup(pod_dir + "/cri-containerd-sidecar.scope");
    sidecar_child_ = cgroup_->add_cgroup(pod_dir + "/cri-containerd-sidecar.scope/worker");
    host_ = cgroup_->add_cgroup("system.slice");
    ASSERT_FALSE(sidecar_.empty() || sidecar_child_.empty() || host_.empty());
  }

  uint64_t id_of(const std::string& dir) {
    auto ids = agent::sensor::resolve_cgroup_ids(dir, {""});
    return std::get<std::vector<uint64_t>>(ids).at(0);
  }

  // The sensor watching `ports`, with enforcement when `vault` is non-empty; skips loudly if
  // the kernel refuses.
  void start(std::vector<uint16_t> ports, std::vector<EnforcedAddress> vault,
             std::vector<uint64_t> watched_cgroups = {}) {
    BpfSensorOptions options;
    options.watched_ports = std::move(ports);
    options.ring_buffer_bytes = 1 << 20;
    options.own_tgid = static_cast<uint32_t>(::getpid());
    options.watched_cgroup_ids = std::move(watched_cgroups);
    if (!vault.empty()) {
      options.enforce.deny_vault_direct = true;
      options.enforce.vault_addresses = std::move(vault);
      options.enforce.allowed_cgroup_ids = {id_of(sidecar_)};
      options.enforce.scope_cgroup_id = id_of(cgroup_->base_path());
    }
    start_sensor(options);
  }

  // What the kernel has written so far, of process `pid` and event type `type`.
  std::vector<Event> of_pid(pid_t pid, std::string_view type) {
    drain();
    return BpfSensorFixture::of_pid(pid, type);
  }

  std::unique_ptr<KubepodsCgroup> cgroup_;
  std::string sidecar_, sidecar_child_, host_;
};

TEST_F(BpfEnforceTest, TenantIsRefusedSidecarSubtreeAndOtherPortsAreNot) {
  Listener vault;
  Listener other;
  ASSERT_GE(vault.fd, 0);
  ASSERT_GE(other.fd, 0);
  start({vault.port, other.port}, {loopback(vault.port, false)});
  if (IsSkipped()) return;

  // The tenant's container: Vault refused (IPv4 and v4-mapped IPv6), another port untouched.
  pid_t tenant = 0;
  EXPECT_EQ(run_in(
                cgroup_->scope_path(),
                [&] {
                  if (connect_errno(vault.port) != EPERM) return 10;
                  if (connect_errno(vault.port, false, /*v4_mapped=*/true) != EPERM) return 11;
                  if (connect_errno(other.port) != 0) return 12;
                  return 0;
                },
                &tenant),
            0);
  // The sidecar's container and a cgroup below it: allowed.
  pid_t sidecar = 0;
  EXPECT_EQ(run_in(
                sidecar_, [&] { return connect_errno(vault.port); }, &sidecar),
            0);
  EXPECT_EQ(run_in(sidecar_child_, [&] { return connect_errno(vault.port); }), 0);
  // This process stands for the agent: always allowed.
  EXPECT_EQ(connect_errno(vault.port), 0);

  EXPECT_EQ(sensor_->enforce_denials(), 2u);
  const auto refused = of_pid(tenant, "network.connect");
  // Two refusals to Vault, one accepted connect elsewhere; no second, bare -EPERM record from
  // the connect tracepoint for the refused ones.
  ASSERT_EQ(refused.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(enforced(refused[i]));
    EXPECT_EQ(num(refused[i], FieldId::kNetResult), -EPERM);
    EXPECT_EQ(num(refused[i], FieldId::kNetDport), vault.port);
    EXPECT_EQ(str(refused[i], FieldId::kTenantId), "globex");
    EXPECT_EQ(str(refused[i], FieldId::kTenantSource), "cgroup");
  }
  EXPECT_EQ(str(refused[0], FieldId::kNetDaddr), "127.0.0.1");
  EXPECT_EQ(str(refused[1], FieldId::kNetDaddr), "::ffff:127.0.0.1");
  EXPECT_FALSE(enforced(refused[2]));
  EXPECT_FALSE(refused[2].has(FieldId::kNetResult));
  EXPECT_EQ(num(refused[2], FieldId::kNetDport), other.port);
  const auto allowed = of_pid(sidecar, "network.connect");
  ASSERT_EQ(allowed.size(), 1u);
  EXPECT_FALSE(enforced(allowed[0]));
  EXPECT_FALSE(allowed[0].has(FieldId::kNetResult));

  // Detached on stop: the same connect from the tenant now goes through.
  sensor_->stop();
  EXPECT_EQ(run_in(cgroup_->scope_path(), [&] { return connect_errno(vault.port); }), 0);
}

TEST_F(BpfEnforceTest, Ipv6VaultAddressIsRefused) {
  Listener vault6(/*ipv6=*/true);
  if (vault6.fd < 0) GTEST_SKIP() << "no IPv6 loopback on this machine";
  start({vault6.port}, {loopback(vault6.port, true)});
  if (IsSkipped()) return;
  pid_t tenant = 0;
  EXPECT_EQ(
      run_in(
          cgroup_->scope_path(),
          [&] { return connect_errno(vault6.port, /*ipv6=*/true) == EPERM ? 0 : 10; }, &tenant),
      0);
  EXPECT_EQ(run_in(sidecar_, [&] { return connect_errno(vault6.port, true); }), 0);
  const auto refused = of_pid(tenant, "network.connect");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_TRUE(enforced(refused[0]));
  EXPECT_EQ(str(refused[0], FieldId::kNetDaddr), "::1");
  EXPECT_EQ(sensor_->enforce_denials(), 1u);
}

TEST_F(BpfEnforceTest, DenyOffRefusesNothing) {
  Listener vault;
  ASSERT_GE(vault.fd, 0);
  start({vault.port}, {});
  if (IsSkipped()) return;
  pid_t tenant = 0;
  EXPECT_EQ(run_in(
                cgroup_->scope_path(), [&] { return connect_errno(vault.port); }, &tenant),
            0);
  const auto connects = of_pid(tenant, "network.connect");
  ASSERT_EQ(connects.size(), 1u);
  EXPECT_FALSE(enforced(connects[0]));
  EXPECT_FALSE(connects[0].has(FieldId::kNetResult));
  EXPECT_EQ(sensor_->enforce_denials(), 0u);
}

TEST_F(BpfEnforceTest, ExecOutsideWatchedCgroupsStaysInTheKernel) {
  Listener vault;
  ASSERT_GE(vault.fd, 0);
  const std::string kubepods = cgroup_->base_path() + "/kubepods.slice";
  start({vault.port}, {}, {id_of(kubepods)});
  if (IsSkipped()) return;
  auto exec_true = [] {
    ::execl("/bin/true", "true", static_cast<char*>(nullptr));
    return 30;
  };
  pid_t watched = 0;
  pid_t unwatched = 0;
  ASSERT_EQ(run_in(host_, exec_true, &unwatched), 0);
  ASSERT_EQ(run_in(cgroup_->scope_path(), exec_true, &watched), 0);
  // One ring, in order: once the watched child's exit is here, the unwatched child's records,
  // had the kernel produced any, would be here too.
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) seen = !of_pid(watched, "process.exit").empty();
  ASSERT_TRUE(seen) << "no process.exit from the watched cgroup";
  EXPECT_EQ(of_pid(watched, "process.exec").size(), 1u);
  EXPECT_EQ(str(of_pid(watched, "process.exec").at(0), FieldId::kTenantId), "globex");
  EXPECT_TRUE(of_pid(unwatched, "process.exec").empty());
  EXPECT_TRUE(of_pid(unwatched, "process.exit").empty());
  // Network records are not filtered by cgroup: a host process connecting to Vault is news.
  pid_t host_connect = 0;
  ASSERT_EQ(run_in(
                host_, [&] { return connect_errno(vault.port); }, &host_connect),
            0);
  std::size_t connects = 0;
  for (int i = 0; i < 50 && connects == 0; ++i)
    connects = of_pid(host_connect, "network.connect").size();
  EXPECT_EQ(connects, 1u);
}

}  // namespace
}  // namespace panguard::integration
