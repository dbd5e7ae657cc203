// The eBPF sensor on the real kernel: programs loaded, processes moved into a kubepods-shaped
// cgroup, and every event checked from the kernel record to the tenant. Run as root; when the
// kernel refuses to load the programs the tests SKIP with a loud reason, and .ci/run fails
// such a skip on a machine whose `bpftool feature probe` says it could have run them.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "agent/identity/cgroup_paths.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/identity/workload_identity.h"
#include "agent/sources/bpf/bpf_sensor.h"
#include "agent/sources/bpf/sensor_events.h"
#include "bpf_test_support.h"

namespace panguard::integration {
namespace {

using agent::sensor::BpfSensorOptions;
using rules::Event;
using rules::FieldId;

const std::string kPodUid = "7c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5";
const std::string kContainerId = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";
const std::string kVaultRequest =
    "GET /v1/secret/data/tenants/initech/db HTTP/1.1\r\nHost: vault\r\n"
    "X-Vault-Token: hvs.not-a-real-token\r\n\r\n";
const std::string kNatsPub = "PUB tenants.globex.x 5\r\nhello\r\n";
const std::string kNatsSub = "SUB tenants.initech.> 1\r\n";

std::string mapping_yaml() {
  return "pods:\n  " + kPodUid +
         ":\n    namespace: globex-prod\n    name: billing-7d9f\n    containers:\n      " +
         kContainerId + ": app\nnamespaces:\n  globex-prod: globex\n";
}

class BpfSensorTest : public BpfSensorFixture {
 protected:
  void SetUp() override { set_up_identity("CAP_BPF, CAP_PERFMON", mapping_yaml()); }

  // Starts a sensor watching `ports`; skips the test, loudly, if the kernel refuses.
  void start_sensor(std::vector<uint16_t> ports, uint32_t ring_bytes = 1 << 22,
                    uint32_t payload = 64) {
    BpfSensorOptions options;
    options.watched_ports = std::move(ports);
    options.payload_bytes = payload;
    options.ring_buffer_bytes = ring_bytes;
    options.own_tgid = static_cast<uint32_t>(::getpid());
    BpfSensorFixture::start_sensor(options);
  }

  // Polls until `pred` holds over the events collected so far, or 5 s pass.
  template <typename Pred>
  bool wait_for(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      sensor_->poll(50);
      std::lock_guard lock(mutex_);
      if (pred(events_)) return true;
    }
    return false;
  }

  void expect_globex(const Event& e, uint64_t cgroup_id) {
    EXPECT_EQ(num(e, FieldId::kProcCgroupId), static_cast<int64_t>(cgroup_id));
    EXPECT_EQ(str(e, FieldId::kK8sPodUid), kPodUid);
    EXPECT_EQ(str(e, FieldId::kK8sContainerId), kContainerId);
    EXPECT_EQ(str(e, FieldId::kK8sNamespace), "globex-prod");
    EXPECT_EQ(str(e, FieldId::kK8sPod), "billing-7d9f");
    EXPECT_EQ(str(e, FieldId::kK8sContainer), "app");
    EXPECT_EQ(str(e, FieldId::kTenantId), "globex");
    EXPECT_EQ(str(e, FieldId::kTenantSource), "cgroup");
    EXPECT_EQ(str(e, FieldId::kEvtNode), "test-node");
  }
};

TEST_F(BpfSensorTest, TenantWorkloadTrafficIsAttributedFromKernelToTenant) {
  Listener vault;
  Listener nats;
  Listener unwatched;
  ASSERT_GE(vault.fd, 0);
  ASSERT_GE(nats.fd, 0);
  ASSERT_GE(unwatched.fd, 0);
  context_.nats_ports = {nats.port};
  start_sensor({vault.port, nats.port});
  if (IsSkipped()) return;
  KubepodsCgroup cgroup(unified_, kPodUid, kContainerId);
  ASSERT_TRUE(cgroup.ok()) << cgroup.error();

  GatedChild child([&]() -> int {
    // Vault over write(), then closed: the fd number is reused by the unwatched socket below.
    int fd = connect_local(vault.port);
    if (fd < 0) return 10;
    if (::write(fd, kVaultRequest.data(), kVaultRequest.size()) < 0) return 11;
    // 1 MiB in one call: TCP queues it in many chunks, each passing the send hook; one record.
    const std::string big(1 << 20, 'V');
    if (::send(fd, big.data(), big.size(), MSG_DONTWAIT) <= 0) return 15;
    ::close(fd);
    const int reused = connect_local(unwatched.port);
    if (reused != fd) return 12;
    if (::write(reused, "UNWATCHED WRITE", 15) < 0) return 13;
    if (::send(reused, "UNWATCHED SEND", 14, 0) < 0) return 14;
    ::close(reused);
    // NATS over sendto(), sendmsg(), writev() and sendmmsg().
    fd = connect_local(nats.port);
    if (fd < 0) return 20;
    if (::sendto(fd, kNatsPub.data(), kNatsPub.size(), 0, nullptr, 0) < 0) return 21;
    iovec iov[2] = {{const_cast<char*>(kNatsSub.data()), kNatsSub.size()},
                    {const_cast<char*>("PING\r\n"), 6}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (::sendmsg(fd, &msg, 0) < 0) return 22;
    if (::writev(fd, iov, 2) < 0) return 23;
    // sendmmsg: one record per message.
    iovec pub{const_cast<char*>(kNatsPub.data()), kNatsPub.size()};
    iovec ping{const_cast<char*>("PING\r\n"), 6};
    mmsghdr two[2] = {};
    two[0].msg_hdr.msg_iov = &pub;
    two[0].msg_hdr.msg_iovlen = 1;
    two[1].msg_hdr.msg_iov = &ping;
    two[1].msg_hdr.msg_iovlen = 1;
    if (::sendmmsg(fd, two, 2, 0) != 2) return 24;
    ::close(fd);
    ::execl("/bin/true", "true-argv0", static_cast<char*>(nullptr));
    return 30;
  });
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(cgroup.add_process(child.pid()));
  child.release();
  ASSERT_EQ(child.wait_exit(5000), 0);
  const pid_t pid = child.pid();
  const uint64_t scope = cgroup.scope_id();

  ASSERT_TRUE(wait_for([&](const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (num(e, FieldId::kProcPid) == pid && str(e, FieldId::kEvtType) == "process.exit") {
        return true;
      }
    }
    return false;
  })) << "no process.exit event for the child";
  drain();

  // connect: both watched ports, nothing for the unwatched one.
  const auto connects = of_pid(pid, "network.connect");
  ASSERT_EQ(connects.size(), 2u);
  EXPECT_EQ(num(connects[0], FieldId::kNetDport), vault.port);
  EXPECT_EQ(num(connects[1], FieldId::kNetDport), nats.port);
  for (const Event& e : connects) {
    EXPECT_EQ(e.source(), rules::Source::kNetwork);
    EXPECT_EQ(str(e, FieldId::kNetDaddr), "127.0.0.1");
    EXPECT_FALSE(e.has(FieldId::kNetResult));  // an attempt: seen before the kernel tried
    EXPECT_EQ(str(e, FieldId::kProcComm).substr(0, 5), "bpf_i");
    expect_globex(e, scope);
  }

  // send: the exact payload prefix (64 bytes), one record per message, by each call.
  const auto sends = of_pid(pid, "network.send");
  ASSERT_EQ(sends.size(), 7u);
  using agent::sensor::escape_payload;
  EXPECT_EQ(num(sends[0], FieldId::kNetDport), vault.port);
  EXPECT_EQ(str(sends[0], FieldId::kNetPayload), escape_payload(kVaultRequest.substr(0, 64)));
  EXPECT_EQ(num(sends[1], FieldId::kNetDport), vault.port);  // the 1 MiB send, once
  EXPECT_EQ(str(sends[1], FieldId::kNetPayload), std::string(64, 'V'));
  EXPECT_EQ(str(sends[2], FieldId::kNetPayload), escape_payload(kNatsPub));
  EXPECT_EQ(str(sends[2], FieldId::kNetPayload), "PUB tenants.globex.x 5\\x0d\\x0ahello\\x0d\\x0a");
  EXPECT_EQ(str(sends[3], FieldId::kNetPayload), escape_payload(kNatsSub));  // first iovec
  EXPECT_EQ(str(sends[4], FieldId::kNetPayload), escape_payload(kNatsSub));
  EXPECT_EQ(str(sends[5], FieldId::kNetPayload), escape_payload(kNatsPub));  // sendmmsg
  EXPECT_EQ(str(sends[6], FieldId::kNetPayload), "PING\\x0d\\x0a");
  for (const Event& e : sends) {
    EXPECT_EQ(str(e, FieldId::kNetDaddr), "127.0.0.1");
    EXPECT_EQ(str(e, FieldId::kNetPayload).find("UNWATCHED"), std::string::npos);
    expect_globex(e, scope);
  }

  // The NATS port's sends also become nats.* events: the publish on the own tenant's subject,
  // the subscription (sendmsg, writev) on another tenant's.
  const auto publishes = of_pid(pid, "nats.publish");
  ASSERT_EQ(publishes.size(), 2u);  // sendto and sendmmsg
  EXPECT_EQ(publishes[0].source(), rules::Source::kNats);
  EXPECT_EQ(str(publishes[0], FieldId::kNatsOp), "PUB");
  EXPECT_EQ(str(publishes[0], FieldId::kNatsSubject), "tenants.globex.x");
  EXPECT_EQ(str(publishes[0], FieldId::kNatsSubjectTenant), "globex");
  expect_globex(publishes[0], scope);
  const auto subscribes = of_pid(pid, "nats.subscribe");
  ASSERT_EQ(subscribes.size(), 2u);
  for (const Event& e : subscribes) {
    EXPECT_EQ(str(e, FieldId::kNatsSubject), "tenants.initech.>");
    EXPECT_EQ(str(e, FieldId::kNatsSubjectTenant), "initech");
    expect_globex(e, scope);
  }

  // exec and exit, attributed the same way.
  const auto execs = of_pid(pid, "process.exec");
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs[0].source(), rules::Source::kProcess);
  EXPECT_EQ(str(execs[0], FieldId::kProcExe), "/bin/true");
  EXPECT_EQ(str(execs[0], FieldId::kProcArgv0), "true-argv0");
  EXPECT_EQ(num(execs[0], FieldId::kProcPpid), ::getpid());
  expect_globex(execs[0], scope);
  const auto exits = of_pid(pid, "process.exit");
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(num(exits[0], FieldId::kProcExitCode), 0);
  expect_globex(exits[0], scope);

  // The agent's own process (this test) is excluded in the kernel.
  {
    std::lock_guard lock(mutex_);
    for (const Event& e : events_) EXPECT_NE(num(e, FieldId::kProcPid), ::getpid());
    EXPECT_TRUE(refused_.empty());
  }
}

TEST_F(BpfSensorTest, Ipv6ConnectAndHostProcessWithoutTenant) {
  Listener vault6(/*ipv6=*/true);
  if (vault6.fd < 0) GTEST_SKIP() << "no IPv6 loopback on this machine";
  start_sensor({vault6.port});
  if (IsSkipped()) return;
  // Not moved into any pod cgroup: a host process, so no pod and no tenant (fail closed).
  // From the heap: a string literal's page may not be mapped in a fresh fork, and BPF cannot
  // fault it in (the payload is then absent: docs/ebpf.md).
  const std::string hello = "hello";
  GatedChild child([&]() -> int {
    const int fd = connect_local(vault6.port, /*ipv6=*/true);
    if (fd < 0) return 10;
    if (::write(fd, hello.data(), hello.size()) < 0) return 11;
    ::close(fd);
    return 0;
  });
  child.release();
  ASSERT_EQ(child.wait_exit(5000), 0);
  const pid_t pid = child.pid();
  ASSERT_TRUE(wait_for([&](const std::vector<Event>& events) {
    int n = 0;
    for (const Event& e : events) n += num(e, FieldId::kProcPid) == pid;
    return n >= 2;
  }));
  const auto connects = of_pid(pid, "network.connect");
  ASSERT_EQ(connects.size(), 1u);
  EXPECT_EQ(str(connects[0], FieldId::kNetDaddr), "::1");
  EXPECT_EQ(num(connects[0], FieldId::kNetDport), vault6.port);
  EXPECT_FALSE(connects[0].has(FieldId::kTenantId));
  EXPECT_EQ(str(connects[0], FieldId::kTenantSource), "none");
  EXPECT_FALSE(connects[0].has(FieldId::kK8sPodUid));
  const auto sends = of_pid(pid, "network.send");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(str(sends[0], FieldId::kNetPayload), "hello");
}

TEST_F(BpfSensorTest, FloodedTinyRingBufferCountsDrops) {
  Listener vault;
  ASSERT_GE(vault.fd, 0);
  // One page of ring buffer holds about ten 344-byte send records.
  start_sensor({vault.port}, static_cast<uint32_t>(::sysconf(_SC_PAGESIZE)), 256);
  if (IsSkipped()) return;
  GatedChild child([&]() -> int {
    const int fd = connect_local(vault.port);
    if (fd < 0) return 10;
    const std::string chunk(300, 'x');
    for (int i = 0; i < 200; ++i) {
      if (::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT) < 0 && errno != EAGAIN) return 11;
    }
    ::close(fd);
    return 0;
  });
  child.release();
  ASSERT_EQ(child.wait_exit(5000), 0);
  // Nothing consumed the ring buffer while the child sent: most records were dropped.
  const auto drops = sensor_->drops();
  EXPECT_GT(drops[2], 100u) << "send drops";  // PG_EV_SEND
  drain();
  std::lock_guard lock(mutex_);
  std::size_t delivered = 0;
  for (const Event& e : events_) delivered += str(e, FieldId::kEvtType) == "network.send";
  EXPECT_GT(delivered, 0u);
  EXPECT_EQ(delivered + drops[2], 200u);
}

}  // namespace
}  // namespace panguard::integration
