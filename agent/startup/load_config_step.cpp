#include "agent/cli/exit_codes.h"
#include "agent/config/config_loader.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome load_config_step(App& app) {
  if (app.options.config_path) {
    ConfigResult result = load_config_file(*app.options.config_path);
    if (auto* error = std::get_if<ConfigError>(&result)) {
      return StepOutcome::fail(error->io ? kExitRuntime : kExitFindings, error->message);
    }
    app.config = std::get<std::shared_ptr<const Config>>(result);
  } else {
    app.config = default_config();
  }
  log::set_level(app.config->log_level());
  log::info("config: ", app.options.config_path ? *app.options.config_path : "embedded defaults",
            " (node ", app.config->node_name(), ", mode ",
            app.config->mode() == Mode::kEnforce ? "enforce" : "monitor", ")");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
