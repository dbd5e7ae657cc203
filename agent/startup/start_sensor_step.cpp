// sensor.enabled: load the eBPF programs and feed their events to the pipeline. A refusal by
// the kernel or the privileges is not fatal: the agent logs why, reports the sensor degraded
// (panguard_sensor_degraded, SensorService::status) and runs on without it. A bad pod
// mapping file, or a sensor.watched_cgroups / enforce.* cgroup that does not exist, is a
// configuration error and stops startup. So does any failure while enforce.vault_direct is
// deny: a security control that silently does nothing is worse than none.
#include <unistd.h>

#include <chrono>
#include <memory>
#include <variant>

#include "agent/cli/exit_codes.h"
#include "agent/identity/cgroup_paths.h"
#include "agent/log/log.h"
#include "agent/sources/bpf/cgroup_selection.h"
#include "agent/startup/open_pod_directory.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {
namespace {

// sensor.watched_cgroups and enforce.* name cgroups by path; the kernel compares ids. "" when
// there is nothing to resolve or all resolved, else why not.
std::string resolve_cgroups(const SensorSettings& settings, const EnforceSettings& enforce,
                            sensor::BpfSensorOptions& bpf) {
  if (settings.watched_cgroups.empty() && !enforce.deny_vault_direct) return "";
  std::string root = settings.cgroup_root;
  if (root.empty()) {
    const auto detected = identity::detect_unified_mount();
    if (!detected) return "no cgroup v2 (cgroup2) mount in /proc/self/mountinfo";
    root = *detected;
  }
  auto watched = sensor::resolve_cgroup_ids(root, settings.watched_cgroups);
  if (auto* error = std::get_if<std::string>(&watched)) return "sensor.watched_cgroups: " + *error;
  bpf.watched_cgroup_ids = std::get<std::vector<uint64_t>>(watched);
  if (!enforce.deny_vault_direct) return "";

  auto allowed = sensor::resolve_cgroup_ids(root, enforce.allowed_cgroups);
  if (auto* error = std::get_if<std::string>(&allowed)) return "enforce.allowed_cgroups: " + *error;
  auto attach = sensor::resolve_cgroup_ids(root, {enforce.attach_cgroup});
  if (auto* error = std::get_if<std::string>(&attach)) return "enforce.attach_cgroup: " + *error;
  bpf.enforce.deny_vault_direct = true;
  bpf.enforce.allowed_cgroup_ids = std::get<std::vector<uint64_t>>(allowed);
  bpf.enforce.scope_cgroup_id = std::get<std::vector<uint64_t>>(attach).front();
  for (const EnforcedVaultAddress& address : enforce.vault_addresses) {
    bpf.enforce.vault_addresses.push_back({address.address, address.port});
  }
  return "";
}

}  // namespace

StepOutcome start_sensor_step(App& app) {
  const SensorSettings& settings = app.config->sensor();
  if (!settings.enabled) return StepOutcome::ok();

  auto opened = open_pod_directory(*app.config);
  if (auto* error = std::get_if<std::string>(&opened)) {
    return StepOutcome::fail(kExitFindings, *error);
  }
  identity::kube::KubePodDirectory* kube = std::get<OpenedPodDirectory>(opened).kube;
  std::unique_ptr<identity::PodDirectory> pods =
      std::move(std::get<OpenedPodDirectory>(opened).directory);
  app.pod_directory = pods.get();

  sensor::SensorServiceOptions options;
  options.bpf.watched_ports = settings.watched_ports;
  options.bpf.payload_bytes = settings.payload_bytes;
  options.bpf.ring_buffer_bytes = settings.ring_buffer_bytes;
  options.bpf.process_events = settings.process_events;
  options.bpf.all_connects = settings.all_connects;
  options.bpf.cgroup_root_dir = settings.cgroup_root;
  options.bpf.own_tgid = static_cast<uint32_t>(::getpid());
  options.node_name = app.config->node_name();
  options.cgroup_root = settings.cgroup_root;
  options.nats_ports = settings.nats_ports;
  options.drop_report_period = std::chrono::milliseconds(settings.drop_report_period_ms);
  options.drop_alert_period = std::chrono::milliseconds(settings.drop_alert_period_ms);
  const EnforceSettings& enforce = app.config->enforce();
  if (std::string why = resolve_cgroups(settings, enforce, options.bpf); !why.empty()) {
    return StepOutcome::fail(kExitFindings, why);
  }

  app.sensor = std::make_unique<sensor::SensorService>(std::move(options), std::move(pods),
                                                       *app.pipeline, app.metrics, app.clock);
  const std::string error = app.sensor->start();
  if (!error.empty() && enforce.deny_vault_direct) {
    return StepOutcome::fail(kExitRuntime,
                             "enforce.vault_direct is deny but the kernel programs that enforce "
                             "it could not be put in place, refusing to run unprotected: " +
                                 error);
  }
  if (!error.empty()) {
    log::error("sensor: not running, the agent continues without kernel events: ", error);
    return StepOutcome::ok();
  }
  if (enforce.deny_vault_direct) {
    std::string addresses;
    for (const EnforcedVaultAddress& a : enforce.vault_addresses) {
      addresses += (addresses.empty() ? "" : ", ") + a.text;
    }
    log::info("enforce: direct connections to Vault (", addresses, ") refused under cgroup /",
              enforce.attach_cgroup, " except from ", enforce.allowed_cgroups.size(),
              " allowed cgroup subtree(s) and this agent");
  }
  if (kube != nullptr) {
    // Started only with the sensor: a watch nobody reads would only load the API server.
    kube->start();
    log::info(
        "sensor: pod identity from the Kubernetes API (not synced yet: events carry no "
        "tenant until it is)");
  }
  log::info("sensor: eBPF programs attached (", settings.watched_ports.size(),
            " watched ports, ring buffer ", settings.ring_buffer_bytes, " bytes)");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
