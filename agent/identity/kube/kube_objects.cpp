#include "agent/identity/kube/kube_objects.h"

#include "agent/identity/cgroup_layout.h"
#include "agent/sources/vault/tenant_id.h"

namespace panguard::agent::identity::kube {
namespace {

using nlohmann::json;

// Kubernetes objects nest a dozen levels at most; a deeper document is hostile, refused before
// the parser builds it.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNameBytes = 253;  // DNS subdomain: the longest namespace or pod name
constexpr std::size_t kMaxMessageBytes = 200;

// Keeps messages from the network short and printable, for log lines.
std::string printable(std::string_view text) { return loggable(text, kMaxMessageBytes); }

bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    }
    if (c == '}' || c == ']') --depth;
  }
  return true;
}

std::variant<json, std::string> parse_json(std::string_view text) {
  if (!nesting_within(text, kMaxDepth)) {
    return "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";
  }
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::string("not valid JSON");
  if (!parsed.is_object()) return std::string("not a JSON object");
  return parsed;
}

// A string member of `object`, or nullopt when absent or of another type.
std::optional<std::string> string_at(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

const json& metadata_of(const json& object) {
  static const json empty = json::object();
  const json* metadata = member(object, "metadata");
  return metadata && metadata->is_object() ? *metadata : empty;
}

std::string name_problem(const std::optional<std::string>& name, const char* what) {
  if (!name || name->empty()) return std::string(what) + " missing";
  if (name->size() > kMaxNameBytes) return std::string(what) + " too long";
  return "";
}

// containerStatuses, initContainerStatuses and ephemeralContainerStatuses: all run in the pod.
std::string add_containers(const json& status, const char* key, PodInfo& info) {
  const json* list = member(status, key);
  if (!list || list->is_null()) return "";
  if (!list->is_array()) return std::string("status.") + key + " is not a list";
  for (const json& entry : *list) {
    const auto name = string_at(entry, "name");
    if (const std::string problem = name_problem(name, "container name"); !problem.empty()) {
      return std::string("status.") + key + ": " + problem;
    }
    // No id yet (a container still being created): nothing runs under a cgroup to attribute.
    const auto raw_id = string_at(entry, "containerID");
    if (!raw_id || raw_id->empty()) continue;
    const auto id = container_id_from_status(*raw_id);
    if (!id) {
      return std::string("status.") + key + ": unrecognised containerID for " + printable(*name);
    }
    info.containers[*id] = *name;
  }
  return "";
}

std::optional<WatchEventType> event_type(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  if (name == "ERROR") return WatchEventType::kError;
  return std::nullopt;
}

}  // namespace

std::string loggable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (const char c : text.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  return out;
}

std::optional<std::string> container_id_from_status(std::string_view container_id) {
  for (const std::string_view runtime : {"containerd://", "cri-o://", "docker://"}) {
    if (!container_id.starts_with(runtime)) continue;
    const std::string_view id = container_id.substr(runtime.size());
    if (!is_container_id(id)) return std::nullopt;
    return std::string(id);
  }
  return std::nullopt;
}

std::optional<std::string> object_uid(const json& object) {
  auto uid = string_at(metadata_of(object), "uid");
  if (!uid || !is_pod_uid(*uid)) return std::nullopt;
  return uid;
}

std::optional<std::string> object_name(const json& object) {
  auto name = string_at(metadata_of(object), "name");
  if (!name_problem(name, "name").empty()) return std::nullopt;
  return name;
}

std::variant<PodRecord, std::string> parse_pod(const json& object) {
  if (!object.is_object()) return std::string("pod: not an object");
  const json& metadata = metadata_of(object);
  PodRecord record;
  const auto uid = string_at(metadata, "uid");
  if (!uid || !is_pod_uid(*uid)) return std::string("pod: metadata.uid missing or not a UID");
  record.uid = *uid;
  const auto name = string_at(metadata, "name");
  const auto namespace_name = string_at(metadata, "namespace");
  for (const std::string& problem :
       {name_problem(name, "metadata.name"), name_problem(namespace_name, "metadata.namespace")}) {
    if (!problem.empty()) return "pod " + record.uid + ": " + problem;
  }
  record.info.name = *name;
  record.info.namespace_name = *namespace_name;
  if (const json* spec = member(object, "spec"); spec && spec->is_object()) {
    record.node_name = string_at(*spec, "nodeName").value_or("");
  }
  if (const json* status = member(object, "status"); status && status->is_object()) {
    for (const char* key :
         {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
      if (std::string problem = add_containers(*status, key, record.info); !problem.empty()) {
        return "pod " + printable(record.info.namespace_name) + "/" + printable(record.info.name) +
               ": " + problem;
      }
    }
  }
  return record;
}

std::variant<NamespaceRecord, std::string> parse_namespace(const json& object,
                                                           std::string_view tenant_label) {
  if (!object.is_object()) return std::string("namespace: not an object");
  const json& metadata = metadata_of(object);
  NamespaceRecord record;
  const auto name = string_at(metadata, "name");
  if (const std::string problem = name_problem(name, "metadata.name"); !problem.empty()) {
    return "namespace: " + problem;
  }
  record.name = *name;
  const json* labels = member(metadata, "labels");
  if (!labels || labels->is_null()) return record;
  if (!labels->is_object()) {
    return "namespace " + printable(record.name) + ": metadata.labels is not a map";
  }
  const auto found = labels->find(std::string(tenant_label));
  if (found == labels->end()) return record;
  if (found->is_string() && vault::is_valid_tenant_id(found->get_ref<const std::string&>())) {
    record.tenant = found->get<std::string>();
  } else {
    record.tenant_problem = "label " + printable(tenant_label) +
                            " is not a valid tenant id (a DNS label: [a-z0-9-], at most 63)";
  }
  return record;
}

std::variant<ListResponse, std::string> parse_list(std::string_view body) {
  auto parsed = parse_json(body);
  if (auto* error = std::get_if<std::string>(&parsed)) return "list response: " + *error;
  json& list = std::get<json>(parsed);
  ListResponse response;
  const auto version = string_at(metadata_of(list), "resourceVersion");
  if (!version || version->empty()) {
    return std::string("list response: metadata.resourceVersion missing");
  }
  response.resource_version = *version;
  json* items = list.contains("items") ? &list["items"] : nullptr;
  if (items && items->is_array()) {
    response.items.reserve(items->size());
    for (json& item : *items) response.items.push_back(std::move(item));
  } else if (items && !items->is_null()) {
    return std::string("list response: items is not a list");
  }
  return response;
}

std::variant<WatchEvent, std::string> parse_watch_event(std::string_view line) {
  auto parsed = parse_json(line);
  if (auto* error = std::get_if<std::string>(&parsed)) return "watch event: " + *error;
  json& envelope = std::get<json>(parsed);
  const auto type_name = string_at(envelope, "type");
  if (!type_name) return std::string("watch event: type missing");
  const auto type = event_type(*type_name);
  if (!type) return "watch event: unknown type " + printable(*type_name);
  auto object = envelope.find("object");
  if (object == envelope.end() || !object->is_object()) {
    return "watch event " + *type_name + ": object missing";
  }
  WatchEvent event;
  event.type = *type;
  if (event.type == WatchEventType::kError) {
    // A metav1.Status: {"kind":"Status","status":"Failure","message":...,"code":410}.
    const json* code = member(*object, "code");
    if (!code || !code->is_number_integer()) return std::string("watch ERROR: code missing");
    event.error_code = code->get<int>();
    event.error_message = printable(string_at(*object, "message").value_or(""));
    return event;
  }
  const auto version = string_at(metadata_of(*object), "resourceVersion");
  if (!version || version->empty()) {
    return "watch event " + *type_name + ": metadata.resourceVersion missing";
  }
  event.resource_version = *version;
  event.object = std::move(*object);
  return event;
}

}  // namespace panguard::agent::identity::kube
