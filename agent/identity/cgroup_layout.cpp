#include "agent/identity/cgroup_layout.h"

#include <optional>
#include <vector>

namespace panguard::agent::identity {
namespace {

using Status = LayoutResult::Status;

LayoutResult rejected(std::string reason) {
  LayoutResult result;
  result.status = Status::kRejected;
  result.reason = std::move(reason);
  return result;
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Splits on '/', refusing empty, "." and ".." components (a path the kernel never reports).
std::optional<std::vector<std::string_view>> split(std::string_view path) {
  if (starts_with(path, "/")) path.remove_prefix(1);
  std::vector<std::string_view> parts;
  if (path.empty()) return parts;
  while (true) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return std::nullopt;
    parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::optional<QosClass> parse_qos(std::string_view name) {
  if (name == "burstable") return QosClass::kBurstable;
  if (name == "besteffort") return QosClass::kBestEffort;
  return std::nullopt;
}

// The systemd form of a UID: '-' escaped as '_'. Returns the dashed form when valid.
std::optional<std::string> systemd_uid(std::string_view escaped) {
  if (escaped.find('-') != std::string_view::npos) return std::nullopt;
  std::string uid(escaped);
  for (char& c : uid) {
    if (c == '_') c = '-';
  }
  if (!is_pod_uid(uid)) return std::nullopt;
  return uid;
}

// "<prefix><64 hex>.scope" for the three runtimes the systemd driver names.
std::optional<std::pair<ContainerRuntime, std::string>> parse_scope(std::string_view part) {
  static constexpr std::pair<std::string_view, ContainerRuntime> kPrefixes[] = {
      {"cri-containerd-", ContainerRuntime::kContainerd},
      {"crio-", ContainerRuntime::kCrio},
      {"docker-", ContainerRuntime::kDocker},
  };
  if (!ends_with(part, ".scope")) return std::nullopt;
  part.remove_suffix(6);
  for (const auto& [prefix, runtime] : kPrefixes) {
    if (!starts_with(part, prefix)) continue;
    const std::string_view id = part.substr(prefix.size());
    if (!is_container_id(id)) return std::nullopt;
    return std::make_pair(runtime, std::string(id));
  }
  return std::nullopt;
}

bool is_root_marker(std::string_view part) {
  return part == "kubepods.slice" || part == "kubepods";
}

LayoutResult parse_systemd(const std::vector<std::string_view>& parts, std::size_t root) {
  LayoutResult result;
  PodCgroup& pod = result.pod;
  pod.driver = CgroupDriver::kSystemd;
  std::size_t next = root + 1;
  if (next >= parts.size()) return rejected("kubepods.slice itself is not a pod cgroup");
  std::string_view part = parts[next];
  std::string_view pod_prefix = "kubepods-pod";
  if (starts_with(part, "kubepods-") && ends_with(part, ".slice") &&
      !starts_with(part, "kubepods-pod")) {
    std::string_view qos_text = part.substr(9, part.size() - 9 - 6);
    const auto qos = parse_qos(qos_text);
    if (!qos) return rejected("unknown QoS slice '" + std::string(part) + "'");
    pod.qos = *qos;
    ++next;
    if (next >= parts.size()) return rejected("QoS slice is not a pod cgroup");
    part = parts[next];
    pod_prefix = qos_text == "burstable" ? "kubepods-burstable-pod" : "kubepods-besteffort-pod";
  } else {
    pod.qos = QosClass::kGuaranteed;
  }
  if (!starts_with(part, pod_prefix) || !ends_with(part, ".slice")) {
    return rejected("expected a '" + std::string(pod_prefix) + "<uid>.slice' component, got '" +
                    std::string(part) + "'");
  }
  const auto uid = systemd_uid(part.substr(pod_prefix.size(), part.size() - pod_prefix.size() - 6));
  if (!uid) return rejected("malformed pod UID in '" + std::string(part) + "'");
  pod.pod_uid = *uid;
  ++next;
  if (next < parts.size()) {
    const auto scope = parse_scope(parts[next]);
    if (!scope) {
      return rejected(
          "expected a container scope (cri-containerd-|crio-|docker-<64 hex>.scope), "
          "got '" +
          std::string(parts[next]) + "'");
    }
    pod.runtime = scope->first;
    pod.container_id = scope->second;
  }
  result.status = Status::kPod;
  return result;
}

LayoutResult parse_cgroupfs(const std::vector<std::string_view>& parts, std::size_t root) {
  LayoutResult result;
  PodCgroup& pod = result.pod;
  pod.driver = CgroupDriver::kCgroupfs;
  std::size_t next = root + 1;
  if (next >= parts.size()) return rejected("kubepods itself is not a pod cgroup");
  if (const auto qos = parse_qos(parts[next])) {
    pod.qos = *qos;
    ++next;
    if (next >= parts.size()) return rejected("QoS cgroup is not a pod cgroup");
  } else {
    pod.qos = QosClass::kGuaranteed;
  }
  const std::string_view part = parts[next];
  if (!starts_with(part, "pod") || !is_pod_uid(part.substr(3))) {
    return rejected("expected a 'pod<uid>' component, got '" + std::string(part) + "'");
  }
  pod.pod_uid = std::string(part.substr(3));
  ++next;
  if (next < parts.size()) {
    if (!is_container_id(parts[next])) {
      return rejected("expected a 64-hex container id, got '" + std::string(parts[next]) + "'");
    }
    pod.runtime = ContainerRuntime::kUnspecified;
    pod.container_id = std::string(parts[next]);
  }
  result.status = Status::kPod;
  return result;
}

// Index just past the components the layout consumed, to check what lies beneath.
std::size_t consumed(const LayoutResult& result, std::size_t root) {
  std::size_t n = root + 2;  // root + pod
  if (result.pod.qos != QosClass::kGuaranteed) ++n;
  if (!result.pod.container_id.empty()) ++n;
  return n;
}

}  // namespace

std::string_view qos_name(QosClass qos) {
  switch (qos) {
    case QosClass::kGuaranteed:
      return "guaranteed";
    case QosClass::kBurstable:
      return "burstable";
    case QosClass::kBestEffort:
      return "besteffort";
  }
  return "unknown";
}

std::string_view runtime_name(ContainerRuntime runtime) {
  switch (runtime) {
    case ContainerRuntime::kNone:
      return "none";
    case ContainerRuntime::kContainerd:
      return "containerd";
    case ContainerRuntime::kCrio:
      return "cri-o";
    case ContainerRuntime::kDocker:
      return "docker";
    case ContainerRuntime::kUnspecified:
      return "unspecified";
  }
  return "unknown";
}

bool is_pod_uid(std::string_view uid) {
  if (uid.size() != 36) return false;
  for (std::size_t i = 0; i < uid.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? uid[i] != '-' : !is_lower_hex(uid[i])) return false;
  }
  return true;
}

bool is_container_id(std::string_view id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

LayoutResult parse_kubepods_path(std::string_view path) {
  const auto parts = split(path);
  if (!parts) return rejected("malformed cgroup path (empty, '.' or '..' component)");

  std::optional<std::size_t> root;
  std::size_t kube_like = 0;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    if (starts_with((*parts)[i], "kubepods")) ++kube_like;
    if (!is_root_marker((*parts)[i])) continue;
    if (root) return rejected("more than one kubepods root on the path: ambiguous");
    root = i;
  }
  if (!root) {
    if (kube_like != 0) return rejected("kubepods-like component without a kubepods root");
    return LayoutResult{};  // kNotPod: a host process
  }

  const bool systemd = (*parts)[*root] == "kubepods.slice";
  LayoutResult result = systemd ? parse_systemd(*parts, *root) : parse_cgroupfs(*parts, *root);
  if (result.status != Status::kPod) return result;

  // Anything kubepods-like outside the consumed layout could be a container's spoof.
  const std::size_t end = consumed(result, *root);
  // systemd: kubepods.slice, the QoS slice (not for guaranteed) and the pod slice.
  std::size_t expected_kube_like = 1;
  if (systemd) expected_kube_like = result.pod.qos == QosClass::kGuaranteed ? 2 : 3;
  if (kube_like != expected_kube_like) {
    return rejected("kubepods-like component outside the pod layout: ambiguous");
  }
  for (std::size_t i = 0; i < *root; ++i) {
    if (starts_with((*parts)[i], "pod") && is_pod_uid((*parts)[i].substr(3))) {
      return rejected("pod component above the kubepods root: ambiguous");
    }
  }
  if (result.pod.container_id.empty() && end < parts->size()) {
    return rejected("unexpected component '" + std::string((*parts)[end]) + "' under a pod cgroup");
  }
  return result;
}

}  // namespace panguard::agent::identity
