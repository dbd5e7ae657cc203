#include <csignal>

#include "agent/log/log.h"
#include "agent/packs/pack_reloader.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {
namespace {

void wait_for_signal(App& app) {
  app.signals->async_wait([&app](const boost::system::error_code& ec, int signal) {
    if (ec) return;  // cancelled by shutdown
    if (signal == SIGHUP) {
      log::info("rules: SIGHUP, reloading");
      reload_rule_pack(app.config->rule_paths(), app.packs, *app.pipeline, app.metrics,
                       app.clock.now_ns());
      wait_for_signal(app);
      return;
    }
    begin_shutdown(app, signal == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

}  // namespace

StepOutcome install_signals_step(App& app) {
  app.signals = std::make_unique<boost::asio::signal_set>(app.io, SIGTERM, SIGINT, SIGHUP);
  wait_for_signal(app);
  return StepOutcome::ok();
}

}  // namespace panguard::agent
