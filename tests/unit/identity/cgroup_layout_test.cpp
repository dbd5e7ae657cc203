// The Kubernetes cgroup layout parser: real-shaped paths from the systemd and cgroupfs drivers
// and the three runtimes, and hostile ones that must never be attributed to a pod.
#include "agent/identity/cgroup_layout.h"

#include <gtest/gtest.h>

#include <string>

namespace panguard::agent::identity {
namespace {

using Status = LayoutResult::Status;

const std::string kUid = "0b3c4d5e-1111-4222-8333-944455556666";
const std::string kUidSystemd = "0b3c4d5e_1111_4222_8333_944455556666";
const std::string kId = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8";

LayoutResult parse(const std::string& path) { return parse_kubepods_path(path); }

TEST(CgroupLayout, SystemdBurstableContainerd) {
  const auto r = parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
                       kUidSystemd + ".slice/cri-containerd-" + kId + ".scope");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.pod_uid, kUid);
  EXPECT_EQ(r.pod.container_id, kId);
  EXPECT_EQ(r.pod.qos, QosClass::kBurstable);
  EXPECT_EQ(r.pod.driver, CgroupDriver::kSystemd);
  EXPECT_EQ(r.pod.runtime, ContainerRuntime::kContainerd);
}

TEST(CgroupLayout, SystemdBestEffortCrio) {
  const auto r = parse("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                       kUidSystemd + ".slice/crio-" + kId + ".scope");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.qos, QosClass::kBestEffort);
  EXPECT_EQ(r.pod.runtime, ContainerRuntime::kCrio);
  EXPECT_EQ(r.pod.pod_uid, kUid);
}

TEST(CgroupLayout, SystemdGuaranteedDocker) {
  const auto r =
      parse("/kubepods.slice/kubepods-pod" + kUidSystemd + ".slice/docker-" + kId + ".scope");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.qos, QosClass::kGuaranteed);
  EXPECT_EQ(r.pod.runtime, ContainerRuntime::kDocker);
  EXPECT_EQ(r.pod.container_id, kId);
}

TEST(CgroupLayout, SystemdUnderAHostPrefix) {
  // A nested node (kind) or a test hierarchy puts kubepods below other cgroups.
  const auto r = parse(
      "/panguard-test-4242/kubepods.slice/kubepods-burstable.slice/"
      "kubepods-burstable-pod" +
      kUidSystemd + ".slice/cri-containerd-" + kId + ".scope");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.pod_uid, kUid);
}

TEST(CgroupLayout, SubCgroupInsideContainerBelongsToTheContainer) {
  const auto r = parse("/kubepods.slice/kubepods-pod" + kUidSystemd + ".slice/cri-containerd-" +
                       kId + ".scope/init.scope");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.container_id, kId);
}

TEST(CgroupLayout, PodLevelCgroupHasNoContainer) {
  const auto r = parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
                       kUidSystemd + ".slice");
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.pod_uid, kUid);
  EXPECT_TRUE(r.pod.container_id.empty());
  EXPECT_EQ(r.pod.runtime, ContainerRuntime::kNone);
}

TEST(CgroupLayout, CgroupfsBurstable) {
  const auto r = parse("/kubepods/burstable/pod" + kUid + "/" + kId);
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.driver, CgroupDriver::kCgroupfs);
  EXPECT_EQ(r.pod.qos, QosClass::kBurstable);
  EXPECT_EQ(r.pod.pod_uid, kUid);
  EXPECT_EQ(r.pod.container_id, kId);
  EXPECT_EQ(r.pod.runtime, ContainerRuntime::kUnspecified);
}

TEST(CgroupLayout, CgroupfsBestEffortAndGuaranteed) {
  auto r = parse("/kubepods/besteffort/pod" + kUid + "/" + kId);
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.qos, QosClass::kBestEffort);
  r = parse("/kubepods/pod" + kUid + "/" + kId);
  ASSERT_EQ(r.status, Status::kPod) << r.reason;
  EXPECT_EQ(r.pod.qos, QosClass::kGuaranteed);
}

TEST(CgroupLayout, HostProcessesAreNotPods) {
  for (const std::string path :
       {"/", "", "/system.slice/containerd.service", "/user.slice/user-0.slice/session-1.scope",
        "/init.scope", "/system.slice/kubelet.service"}) {
    EXPECT_EQ(parse(path).status, Status::kNotPod) << path;
  }
}

void expect_rejected(const std::string& path) {
  const auto r = parse(path);
  EXPECT_EQ(r.status, Status::kRejected) << path;
  if (r.status == Status::kRejected) {
    EXPECT_FALSE(r.reason.empty());
  }
}

TEST(CgroupLayout, RejectsMalformedComponents) {
  const std::string pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod";
  // UID problems: dashes in the systemd form, uppercase, short, wrong grouping.
  expect_rejected(pod + kUid + ".slice/cri-containerd-" + kId + ".scope");
  expect_rejected(pod + "0B3C4D5E_1111_4222_8333_944455556666.slice");
  expect_rejected(pod + "0b3c4d5e_1111_4222_8333_94445555666.slice");
  expect_rejected(pod + "0b3c4d5e1_111_4222_8333_944455556666.slice");
  expect_rejected(pod + ".slice");
  // Container id problems: short, long, uppercase, not hex, unknown runtime, conmon.
  const std::string slice = pod + kUidSystemd + ".slice/";
  expect_rejected(slice + "cri-containerd-" + kId.substr(1) + ".scope");
  expect_rejected(slice + "cri-containerd-" + kId + "0.scope");
  expect_rejected(slice + "cri-containerd-4F1C" + kId.substr(4) + ".scope");
  expect_rejected(slice + "cri-containerd-zz" + kId.substr(2) + ".scope");
  expect_rejected(slice + "rkt-" + kId + ".scope");
  expect_rejected(slice + "crio-conmon-" + kId + ".scope");
  expect_rejected(slice + "cri-containerd-" + kId);
  expect_rejected(slice + "garbage");
  // QoS problems: unknown class, pod slice of another class, QoS slice alone.
  expect_rejected("/kubepods.slice/kubepods-gold.slice/kubepods-gold-pod" + kUidSystemd + ".slice");
  expect_rejected("/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" + kUidSystemd +
                  ".slice");
  expect_rejected("/kubepods.slice/kubepods-burstable.slice");
  expect_rejected("/kubepods.slice");
  expect_rejected("/kubepods");
  // cgroupfs: systemd-form UID, missing pod prefix, bad id.
  expect_rejected("/kubepods/burstable/pod" + kUidSystemd + "/" + kId);
  expect_rejected("/kubepods/burstable/" + kUid + "/" + kId);
  expect_rejected("/kubepods/burstable/pod" + kUid + "/" + kId.substr(2));
  // Sub-cgroups a container makes in its own cgroup stay that container's (cgroupfs too).
  EXPECT_EQ(parse("/kubepods/burstable/pod" + kUid + "/" + kId + "/x").status, Status::kPod);
}

TEST(CgroupLayout, RejectsPathTricks) {
  const std::string good =
      "/kubepods.slice/kubepods-pod" + kUidSystemd + ".slice/cri-containerd-" + kId + ".scope";
  expect_rejected("/kubepods.slice//kubepods-pod" + kUidSystemd + ".slice");
  expect_rejected(good + "/../x");
  expect_rejected("/kubepods.slice/./kubepods-pod" + kUidSystemd + ".slice");
  expect_rejected(good + "/");
}

TEST(CgroupLayout, RejectsSpoofedPodInsideAContainer) {
  // A container may create cgroups in its own scope; naming them like another pod's must not
  // move its processes to that pod.
  const std::string victim = "1a2b3c4d_0000_4000_8000_000000000001";
  const std::string outer =
      "/kubepods.slice/kubepods-pod" + kUidSystemd + ".slice/cri-containerd-" + kId + ".scope";
  expect_rejected(outer + "/kubepods.slice/kubepods-pod" + victim + ".slice/cri-containerd-" + kId +
                  ".scope");
  expect_rejected(outer + "/kubepods-pod" + victim + ".slice");
  expect_rejected(outer + "/kubepods/pod1a2b3c4d-0000-4000-8000-000000000001/" + kId);
  // Kubepods-looking names where no kubepods root is, and pods above the root.
  expect_rejected("/system.slice/kubepods-burstable.slice");
  expect_rejected("/pod" + kUid + "/kubepods/pod" + kUid + "/" + kId);
  expect_rejected("/kubepods.slice/kubepods/pod" + kUid);
}

TEST(CgroupLayout, Helpers) {
  EXPECT_TRUE(is_pod_uid(kUid));
  EXPECT_FALSE(is_pod_uid(kUidSystemd));
  EXPECT_FALSE(is_pod_uid(kUid + "0"));
  EXPECT_TRUE(is_container_id(kId));
  EXPECT_FALSE(is_container_id(kId.substr(1)));
  EXPECT_EQ(qos_name(QosClass::kBestEffort), "besteffort");
  EXPECT_EQ(runtime_name(ContainerRuntime::kCrio), "cri-o");
}

}  // namespace
}  // namespace panguard::agent::identity
