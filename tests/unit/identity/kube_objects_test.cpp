// Pod / namespace / list / watch-event JSON as the API server sends it, and the malformed
// shapes that must be refused rather than guessed at.
#include <gtest/gtest.h>

#include <string>

#include "agent/identity/kube/kube_objects.h"

namespace panguard::agent::identity::kube {
namespace {

using nlohmann::json;

const std::string kUid = "0b3c4d5e-1111-4222-8333-944455556666";
const std::string kAppId(64, 'a');
const std::string kSidecarId(64, 'b');
const std::string kInitId(64, 'c');

json pod_json() {
  return json::parse(R"({
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {"name": "billing-7d9f", "namespace": "globex-prod", "uid": ")" +
                     kUid + R"(", "resourceVersion": "1001"},
    "spec": {"nodeName": "node-a", "containers": [{"name": "app"}, {"name": "vault-agent"}]},
    "status": {
      "phase": "Running",
      "initContainerStatuses": [{"name": "init", "containerID": "cri-o://)" +
                     kInitId + R"("}],
      "containerStatuses": [
        {"name": "app", "containerID": "containerd://)" +
                     kAppId + R"("},
        {"name": "vault-agent", "containerID": "docker://)" +
                     kSidecarId + R"("},
        {"name": "starting"}
      ]
    }
  })");
}

TEST(KubeObjects, ContainerIdsFromEveryRuntime) {
  EXPECT_EQ(container_id_from_status("containerd://" + kAppId), kAppId);
  EXPECT_EQ(container_id_from_status("cri-o://" + kAppId), kAppId);
  EXPECT_EQ(container_id_from_status("docker://" + kAppId), kAppId);
  EXPECT_EQ(container_id_from_status(kAppId), std::nullopt);
  EXPECT_EQ(container_id_from_status("rkt://" + kAppId), std::nullopt);
  EXPECT_EQ(container_id_from_status("containerd://" + kAppId.substr(1)), std::nullopt);
  EXPECT_EQ(container_id_from_status("containerd://" + std::string(64, 'A')), std::nullopt);
  EXPECT_EQ(container_id_from_status("containerd://" + kAppId + "/x"), std::nullopt);
}

TEST(KubeObjects, PodWithContainers) {
  const auto parsed = parse_pod(pod_json());
  ASSERT_TRUE(std::holds_alternative<PodRecord>(parsed)) << std::get<std::string>(parsed);
  const PodRecord& pod = std::get<PodRecord>(parsed);
  EXPECT_EQ(pod.uid, kUid);
  EXPECT_EQ(pod.node_name, "node-a");
  EXPECT_EQ(pod.info.namespace_name, "globex-prod");
  EXPECT_EQ(pod.info.name, "billing-7d9f");
  ASSERT_EQ(pod.info.containers.size(), 3u);  // "starting" has no id yet
  EXPECT_EQ(pod.info.containers.at(kAppId), "app");
  EXPECT_EQ(pod.info.containers.at(kSidecarId), "vault-agent");
  EXPECT_EQ(pod.info.containers.at(kInitId), "init");
}

TEST(KubeObjects, PendingPodHasNoContainers) {
  json pod = pod_json();
  pod.erase("status");
  pod["spec"].erase("nodeName");
  const auto parsed = parse_pod(pod);
  ASSERT_TRUE(std::holds_alternative<PodRecord>(parsed));
  EXPECT_TRUE(std::get<PodRecord>(parsed).info.containers.empty());
  EXPECT_EQ(std::get<PodRecord>(parsed).node_name, "");
}

TEST(KubeObjects, RefusesMalformedPods) {
  auto refused = [](json pod) { return std::holds_alternative<std::string>(parse_pod(pod)); };
  json pod = pod_json();
  pod["metadata"]["uid"] = "not-a-uid";
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["metadata"]["uid"] = 5;
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["metadata"].erase("namespace");
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["metadata"]["name"] = std::string(300, 'x');
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["status"]["containerStatuses"][0]["containerID"] = "containerd://short";
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["status"]["containerStatuses"] = "app";
  EXPECT_TRUE(refused(pod));
  pod = pod_json();
  pod["status"]["containerStatuses"][0].erase("name");
  EXPECT_TRUE(refused(pod));
  EXPECT_TRUE(refused(json::array()));
}

TEST(KubeObjects, NamespaceTenantFromTheLabel) {
  const json labelled = json::parse(
      R"({"metadata":{"name":"globex-prod","labels":{"panguard.io/tenant":"globex"}}})");
  auto parsed = parse_namespace(labelled, "panguard.io/tenant");
  ASSERT_TRUE(std::holds_alternative<NamespaceRecord>(parsed));
  EXPECT_EQ(std::get<NamespaceRecord>(parsed).name, "globex-prod");
  EXPECT_EQ(std::get<NamespaceRecord>(parsed).tenant, "globex");

  // Another label key configured: this one is not it.
  parsed = parse_namespace(labelled, "example.com/owner");
  ASSERT_TRUE(std::holds_alternative<NamespaceRecord>(parsed));
  EXPECT_EQ(std::get<NamespaceRecord>(parsed).tenant, std::nullopt);

  const json bare = json::parse(R"({"metadata":{"name":"kube-system"}})");
  parsed = parse_namespace(bare, "panguard.io/tenant");
  ASSERT_TRUE(std::holds_alternative<NamespaceRecord>(parsed));
  EXPECT_EQ(std::get<NamespaceRecord>(parsed).tenant, std::nullopt);
  EXPECT_EQ(std::get<NamespaceRecord>(parsed).tenant_problem, "");
}

TEST(KubeObjects, InvalidTenantLabelMeansNoTenant) {
  for (const char* value : {"\"Globex\"", "\"globex/prod\"", "\"\"", "\"-globex\"", "7", "null"}) {
    const json ns = json::parse(
        std::string(R"({"metadata":{"name":"x","labels":{"panguard.io/tenant":)") + value + "}}}");
    const auto parsed = parse_namespace(ns, "panguard.io/tenant");
    ASSERT_TRUE(std::holds_alternative<NamespaceRecord>(parsed)) << value;
    EXPECT_EQ(std::get<NamespaceRecord>(parsed).tenant, std::nullopt) << value;
    EXPECT_NE(std::get<NamespaceRecord>(parsed).tenant_problem, "") << value;
  }
  EXPECT_TRUE(std::holds_alternative<std::string>(
      parse_namespace(json::parse(R"({"metadata":{"labels":{}}})"), "panguard.io/tenant")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_namespace(
      json::parse(R"({"metadata":{"name":"x","labels":[1]}})"), "panguard.io/tenant")));
}

TEST(KubeObjects, ListEnvelope) {
  const auto parsed =
      parse_list(R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"500"},)"
                 R"("items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  ASSERT_TRUE(std::holds_alternative<ListResponse>(parsed)) << std::get<std::string>(parsed);
  EXPECT_EQ(std::get<ListResponse>(parsed).resource_version, "500");
  EXPECT_EQ(std::get<ListResponse>(parsed).items.size(), 2u);
  // An empty collection may come with "items": null.
  const auto empty = parse_list(R"({"metadata":{"resourceVersion":"7"},"items":null})");
  ASSERT_TRUE(std::holds_alternative<ListResponse>(empty));
  EXPECT_TRUE(std::get<ListResponse>(empty).items.empty());

  for (const char* bad :
       {"", "[]", "{", R"({"items":[]})", R"({"metadata":{"resourceVersion":""}})",
        R"({"metadata":{"resourceVersion":"1"},"items":{}})"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_list(bad))) << bad;
  }
}

TEST(KubeObjects, WatchEvents) {
  auto event = parse_watch_event(R"({"type":"ADDED","object":)" + pod_json().dump() + "}");
  ASSERT_TRUE(std::holds_alternative<WatchEvent>(event)) << std::get<std::string>(event);
  EXPECT_EQ(std::get<WatchEvent>(event).type, WatchEventType::kAdded);
  EXPECT_EQ(std::get<WatchEvent>(event).resource_version, "1001");
  EXPECT_EQ(std::get<WatchEvent>(event).object["metadata"]["name"], "billing-7d9f");

  event = parse_watch_event(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}})");
  ASSERT_TRUE(std::holds_alternative<WatchEvent>(event));
  EXPECT_EQ(std::get<WatchEvent>(event).type, WatchEventType::kBookmark);
  EXPECT_EQ(std::get<WatchEvent>(event).resource_version, "12746");

  event = parse_watch_event(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)j"
      R"j("status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired",)j"
      R"j("code":410}})j");
  ASSERT_TRUE(std::holds_alternative<WatchEvent>(event));
  EXPECT_EQ(std::get<WatchEvent>(event).type, WatchEventType::kError);
  EXPECT_EQ(std::get<WatchEvent>(event).error_code, 410);
  EXPECT_EQ(std::get<WatchEvent>(event).error_message, "too old resource version: 1 (2)");
}

TEST(KubeObjects, RefusesMalformedWatchEvents) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  for (const std::string& bad : {
           std::string(""),
           std::string("not json"),
           std::string("[1]"),
           std::string(R"({"type":"ADDED"})"),
           std::string(R"({"type":"RENAMED","object":{}})"),
           std::string(R"({"object":{"metadata":{"resourceVersion":"1"}}})"),
           std::string(R"({"type":"ADDED","object":{"metadata":{}}})"),
           std::string(R"({"type":"ERROR","object":{"message":"no code"}})"),
           std::string(R"({"type":"ADDED","object":)") + deep + "}",
       }) {
    const auto event = parse_watch_event(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(event)) << bad;
    EXPECT_FALSE(std::get<std::string>(event).empty());
  }
}

}  // namespace
}  // namespace panguard::agent::identity::kube
