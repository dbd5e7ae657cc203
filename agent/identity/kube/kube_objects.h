// Reads the few fields Panguard needs out of Kubernetes API JSON: pods (UID, namespace, name,
// node, container ids -> names), namespaces (the tenant label), list envelopes and watch events.
// Everything here comes from the network, so every field is type-checked and bounded; anything
// that does not fit is an error message, never a guess.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/identity/pod_directory.h"

namespace panguard::agent::identity::kube {

struct PodRecord {
  std::string uid;
  std::string node_name;  // spec.nodeName; empty while unscheduled
  PodInfo info;
};

struct NamespaceRecord {
  std::string name;
  std::optional<std::string> tenant;  // the tenant label's value, when valid
  std::string tenant_problem;         // why a present label was not accepted ("" otherwise)
};

// Network text made safe for a log line: printable ASCII only, at most max_bytes.
std::string loggable(std::string_view text, std::size_t max_bytes = 253);

// "containerd://<64 hex>", "cri-o://<64 hex>" or "docker://<64 hex>" -> the 64 hex digits.
std::optional<std::string> container_id_from_status(std::string_view container_id);

// A v1 Pod object. Containers without a (recognised) id yet are left out of info.containers.
std::variant<PodRecord, std::string> parse_pod(const nlohmann::json& object);

// A v1 Namespace object; the tenant is metadata.labels[tenant_label] when it is a valid tenant id.
std::variant<NamespaceRecord, std::string> parse_namespace(const nlohmann::json& object,
                                                           std::string_view tenant_label);

// metadata.uid of any object (DELETED needs no more than that).
std::optional<std::string> object_uid(const nlohmann::json& object);
// metadata.name of any object.
std::optional<std::string> object_name(const nlohmann::json& object);

struct ListResponse {
  std::string resource_version;  // the list's, where the watch resumes
  std::vector<nlohmann::json> items;
};
std::variant<ListResponse, std::string> parse_list(std::string_view body);

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;         // the Pod / Namespace (ADDED, MODIFIED, DELETED)
  std::string resource_version;  // object.metadata.resourceVersion; "" for ERROR
  int error_code = 0;            // ERROR: the Status object's code (410: resource version gone)
  std::string error_message;     // ERROR: the Status object's message, shortened
};
std::variant<WatchEvent, std::string> parse_watch_event(std::string_view line);

}  // namespace panguard::agent::identity::kube
