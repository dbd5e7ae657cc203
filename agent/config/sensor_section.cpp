#include "agent/config/sensor_section.h"

#include "agent/config/enforce_values.h"
#include "agent/config/upstream_address.h"
#include "agent/config/yaml_fields.h"

namespace panguard::agent::config_detail {
namespace {

// sensor.kubernetes: the API server, the service-account files and the namespace tenant label.
void parse_kubernetes(const YAML::Node& node, const std::string& path, KubernetesSettings& kube,
                      std::string_view base_dir) {
  walk_map(
      node, path,
      {
          {"enabled",
           [&](const YAML::Node& n, const std::string& p) { kube.enabled = as_bool(n, p); }},
          {"api_server",
           [&](const YAML::Node& n, const std::string& p) {
             kube.api_server = non_empty_string(n, p);
             auto parsed = parse_upstream_address(kube.api_server);
             if (auto* error = std::get_if<std::string>(&parsed)) {
               throw Invalid(n.Mark(), p, *error);
             }
             if (!std::get<UpstreamAddress>(parsed).tls) {
               throw Invalid(n.Mark(), p, "must be https://: the API server is always verified");
             }
           }},
          {"token_file",
           [&](const YAML::Node& n, const std::string& p) {
             kube.token_file = config_file_path(n, p, base_dir);
           }},
          {"ca_file",
           [&](const YAML::Node& n, const std::string& p) {
             kube.ca_file = config_file_path(n, p, base_dir);
           }},
          {"tenant_label",
           [&](const YAML::Node& n, const std::string& p) {
             kube.tenant_label = non_empty_string(n, p);
             if (kube.tenant_label.size() > 317 ||
                 kube.tenant_label.find_first_of(" \t\r\n\"") != std::string::npos) {
               throw Invalid(n.Mark(), p, "expected a label key such as panguard.io/tenant");
             }
           }},
          {"node_name", [&](const YAML::Node& n,
                            const std::string& p) { kube.node_name = non_empty_string(n, p); }},
          {"watch_timeout_s",
           [&](const YAML::Node& n, const std::string& p) {
             kube.watch_timeout_s = static_cast<int64_t>(size_in_range(n, p, 10, 3'600));
           }},
      });
}

}  // namespace

void parse_sensor(const YAML::Node& node, const std::string& path, SensorSettings& sensor,
                  std::string_view base_dir) {
  YAML::Mark kubernetes_mark = YAML::Mark::null_mark();
  walk_map(
      node, path,
      {
          {"enabled",
           [&](const YAML::Node& n, const std::string& p) { sensor.enabled = as_bool(n, p); }},
          {"watched_ports",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() == 0 || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of 1 to 64 ports");
             }
             sensor.watched_ports.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               sensor.watched_ports.push_back(static_cast<uint16_t>(
                   size_in_range(n[i], p + "[" + std::to_string(i) + "]", 1, 65'535)));
             }
           }},
          {"nats_ports",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of at most 64 ports");
             }
             sensor.nats_ports.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               sensor.nats_ports.push_back(static_cast<uint16_t>(
                   size_in_range(n[i], p + "[" + std::to_string(i) + "]", 1, 65'535)));
             }
           }},
          {"payload_bytes",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.payload_bytes = static_cast<uint32_t>(size_in_range(n, p, 0, 256));
           }},
          {"ring_buffer_bytes",
           [&](const YAML::Node& n, const std::string& p) {
             const std::size_t bytes = size_in_range(n, p, 4096, std::size_t{1} << 30);
             if ((bytes & (bytes - 1)) != 0) throw Invalid(n.Mark(), p, "must be a power of two");
             sensor.ring_buffer_bytes = static_cast<uint32_t>(bytes);
           }},
          {"process_events", [&](const YAML::Node& n,
                                 const std::string& p) { sensor.process_events = as_bool(n, p); }},
          {"all_connects",
           [&](const YAML::Node& n, const std::string& p) { sensor.all_connects = as_bool(n, p); }},
          {"drop_report_period_ms",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.drop_report_period_ms =
                 static_cast<int64_t>(size_in_range(n, p, 10, 3'600'000));
           }},
          {"drop_alert_period_ms",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.drop_alert_period_ms = static_cast<int64_t>(size_in_range(n, p, 0, 86'400'000));
           }},
          {"cgroup_root",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.cgroup_root = config_file_path(n, p, base_dir);
           }},
          {"pod_mapping_file",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.pod_mapping_file = config_file_path(n, p, base_dir);
           }},
          {"watched_cgroups",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.watched_cgroups = cgroup_paths(n, p, 64);
           }},
          {"kubernetes",
           [&](const YAML::Node& n, const std::string& p) {
             kubernetes_mark = n.Mark();
             parse_kubernetes(n, p, sensor.kubernetes, base_dir);
           }},
      });
  // Two sources of pod -> tenant would disagree sooner or later; one of them must be chosen.
  if (sensor.kubernetes.enabled && !sensor.pod_mapping_file.empty()) {
    throw Invalid(kubernetes_mark, path + ".kubernetes.enabled",
                  "sensor.kubernetes and sensor.pod_mapping_file are mutually exclusive: "
                  "use one source of pod identity");
  }
}

// enforce.vault_direct: deny makes the kernel refuse, so its inputs are checked here, and a
// deny with nothing to protect or no sensor to carry it is a configuration error.
void parse_enforce(const YAML::Node& node, const std::string& path, ConfigValues& v) {
  YAML::Mark deny_mark = node.Mark();
  walk_map(
      node, path,
      {
          {"vault_direct",
           [&](const YAML::Node& n, const std::string& p) {
             deny_mark = n.Mark();
             v.enforce.deny_vault_direct = as_choice<bool>(n, p, {{"off", false}, {"deny", true}});
           }},
          {"vault_addresses",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of at most 64 \"ip:port\"");
             }
             v.enforce.vault_addresses.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               const std::string item = p + "[" + std::to_string(i) + "]";
               auto parsed = parse_enforced_address(as_string(n[i], item));
               if (auto* error = std::get_if<std::string>(&parsed)) {
                 throw Invalid(n[i].Mark(), item, *error);
               }
               v.enforce.vault_addresses.push_back(std::get<EnforcedVaultAddress>(parsed));
             }
           }},
          {"allowed_cgroups",
           [&](const YAML::Node& n, const std::string& p) {
             v.enforce.allowed_cgroups = cgroup_paths(n, p, 64);
           }},
          {"attach_cgroup",
           [&](const YAML::Node& n, const std::string& p) {
             auto normalized = normalize_cgroup_path(as_string(n, p));
             if (normalized.index() == 1) throw Invalid(n.Mark(), p, std::get<1>(normalized));
             v.enforce.attach_cgroup = std::get<0>(normalized);
           }},
      });
  if (!v.enforce.deny_vault_direct) return;
  if (v.enforce.vault_addresses.empty()) {
    throw Invalid(deny_mark, path + ".vault_addresses", "required when vault_direct is deny");
  }
  if (!v.sensor.enabled) {
    throw Invalid(deny_mark, path + ".vault_direct",
                  "deny needs the eBPF sensor (sensor.enabled: true)");
  }
}

}  // namespace panguard::agent::config_detail
