// sensor.enabled: load the eBPF programs and feed their events to the pipeline. A refusal by
// the kernel or the privileges is not fatal: the agent logs why, reports the sensor degraded
// (panguard_sensor_degraded, SensorService::status) and runs on without it. A bad pod
// mapping file is a configuration error and stops startup.
#include <unistd.h>

#include <chrono>
#include <memory>
#include <variant>

#include "agent/cli/exit_codes.h"
#include "agent/identity/static_pod_directory.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome start_sensor_step(App& app) {
  const SensorSettings& settings = app.config->sensor();
  if (!settings.enabled) return StepOutcome::ok();

  std::unique_ptr<identity::PodDirectory> pods;
  if (!settings.pod_mapping_file.empty()) {
    auto loaded = identity::StaticPodDirectory::load_file(settings.pod_mapping_file);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      return StepOutcome::fail(kExitFindings, "sensor.pod_mapping_file: " + *error);
    }
    pods = std::move(std::get<std::unique_ptr<identity::StaticPodDirectory>>(loaded));
  } else {
    log::warning(
        "sensor: no sensor.pod_mapping_file, so no event has a verified tenant (pod UIDs only)");
  }

  sensor::SensorServiceOptions options;
  options.bpf.watched_ports = settings.watched_ports;
  options.bpf.payload_bytes = settings.payload_bytes;
  options.bpf.ring_buffer_bytes = settings.ring_buffer_bytes;
  options.bpf.process_events = settings.process_events;
  options.bpf.all_connects = settings.all_connects;
  options.bpf.mount_tracefs = settings.mount_tracefs;
  options.bpf.own_tgid = static_cast<uint32_t>(::getpid());
  options.node_name = app.config->node_name();
  options.cgroup_root = settings.cgroup_root;
  options.nats_ports = settings.nats_ports;
  options.drop_report_period = std::chrono::milliseconds(settings.drop_report_period_ms);
  options.drop_alert_period = std::chrono::milliseconds(settings.drop_alert_period_ms);

  app.sensor = std::make_unique<sensor::SensorService>(std::move(options), std::move(pods),
                                                       *app.pipeline, app.metrics, app.clock);
  const std::string error = app.sensor->start();
  if (!error.empty()) {
    log::error("sensor: not running, the agent continues without kernel events: ", error);
    return StepOutcome::ok();
  }
  log::info("sensor: eBPF programs attached (", settings.watched_ports.size(),
            " watched ports, ring buffer ", settings.ring_buffer_bytes, " bytes)");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
