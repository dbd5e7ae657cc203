// `panguard run` starts as an ordered list of steps, each in its own file. A step either
// succeeds or stops startup with a clear message and an exit code.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "agent/startup/app.h"

namespace panguard::agent {

struct StepOutcome {
  int exit_code = 0;  // 0: continue with the next step
  std::string message;

  static StepOutcome ok() { return {}; }
  static StepOutcome fail(int code, std::string why) { return {code, std::move(why)}; }
};

struct StartupStep {
  std::string_view name;
  StepOutcome (*run)(App& app);
};

StepOutcome load_config_step(App& app);
StepOutcome build_sinks_step(App& app);
StepOutcome open_store_step(App& app);
StepOutcome load_rules_step(App& app);
StepOutcome start_admin_step(App& app);
StepOutcome start_vault_proxy_step(App& app);
StepOutcome start_vault_audit_step(App& app);
StepOutcome start_sensor_step(App& app);
StepOutcome bind_vault_clients_step(App& app);
StepOutcome install_signals_step(App& app);
StepOutcome ready_step(App& app);

// In the order they run.
std::span<const StartupStep> startup_steps();

}  // namespace panguard::agent
