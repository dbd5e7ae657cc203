#include "agent/startup/open_pod_directory.h"

#include "agent/identity/static_pod_directory.h"
#include "agent/log/log.h"

namespace panguard::agent {

namespace {

std::variant<OpenedPodDirectory, std::string> open_kubernetes(const KubernetesSettings& kube,
                                                              const std::string& node_name) {
  auto api = identity::kube::resolve_api_server(kube.api_server);
  if (auto* error = std::get_if<std::string>(&api)) return "sensor.kubernetes: " + *error;
  identity::kube::KubePodDirectoryOptions options;
  options.api = std::get<identity::kube::ApiServer>(api);
  options.token_file = kube.token_file;
  options.ca_file = kube.ca_file;
  options.tenant_label = kube.tenant_label;
  options.node_name = kube.node_name.empty() ? node_name : kube.node_name;
  options.limits.watch_timeout = std::chrono::seconds(kube.watch_timeout_s);
  auto created = identity::kube::KubePodDirectory::create(std::move(options));
  if (auto* error = std::get_if<std::string>(&created)) return "sensor.kubernetes: " + *error;
  OpenedPodDirectory opened;
  auto directory = std::move(std::get<std::unique_ptr<identity::kube::KubePodDirectory>>(created));
  opened.kube = directory.get();
  opened.directory = std::move(directory);
  return opened;
}

}  // namespace

std::variant<OpenedPodDirectory, std::string> open_pod_directory(const Config& config) {
  const SensorSettings& settings = config.sensor();
  if (settings.kubernetes.enabled) return open_kubernetes(settings.kubernetes, config.node_name());
  if (settings.pod_mapping_file.empty()) {
    log::warning(
        "sensor: neither sensor.kubernetes nor sensor.pod_mapping_file, so no event has a "
        "verified tenant (pod UIDs only)");
    return OpenedPodDirectory{};
  }
  auto loaded = identity::StaticPodDirectory::load_file(settings.pod_mapping_file);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    return "sensor.pod_mapping_file: " + *error;
  }
  return OpenedPodDirectory{
      std::move(std::get<std::unique_ptr<identity::StaticPodDirectory>>(loaded)), nullptr};
}

}  // namespace panguard::agent
