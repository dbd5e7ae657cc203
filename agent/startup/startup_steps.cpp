#include "agent/startup/startup_step.h"

namespace panguard::agent {

std::span<const StartupStep> startup_steps() {
  static constexpr StartupStep kSteps[] = {
      {"load config", load_config_step},
      {"build alert sinks", build_sinks_step},
      {"open counter store", open_store_step},
      {"load rules", load_rules_step},
      {"start admin server", start_admin_step},
      {"start vault proxy", start_vault_proxy_step},
      {"start vault audit listener", start_vault_audit_step},
      {"start eBPF sensor", start_sensor_step},
      {"bind vault clients to workloads", bind_vault_clients_step},
      {"install signal handlers", install_signals_step},
      {"ready", ready_step},
  };
  return kSteps;
}

}  // namespace panguard::agent
