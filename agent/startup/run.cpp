#include "agent/startup/run.h"

#include <exception>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

int run_daemon(RunOptions options) {
  App app(std::move(options));
  for (const StartupStep& step : startup_steps()) {
    const StepOutcome outcome = step.run(app);
    if (outcome.exit_code != kExitOk) {
      log::error("startup: ", step.name, ": ", outcome.message);
      return outcome.exit_code;
    }
  }
  try {
    app.io.run();
    // The loop stopped after draining (or its deadline). Close what is left and let the
    // connection coroutines finish, so nothing is torn down mid-operation.
    if (app.admin_server) app.admin_server->stop();
    if (app.vault_proxy) app.vault_proxy->stop();
    if (app.vault_audit) app.vault_audit->stop_listening();
    app.io.restart();
    app.io.run_for(std::chrono::milliseconds(200));
    if (app.vault_proxy) app.vault_proxy->join(std::chrono::milliseconds(200));
    // Records Vault already handed over are evaluated before exit; the queue bounds the wait.
    if (app.vault_audit) app.vault_audit->drain();
    // Audit files fsynced (and signed) and webhook spools synced before exit.
    if (app.close_sinks) app.close_sinks();
    if (app.redis) app.redis->stop();
  } catch (const std::exception& e) {
    log::error("event loop failed: ", e.what());
    return kExitRuntime;
  }
  log::info("stopped");
  return kExitOk;
}

}  // namespace panguard::agent
