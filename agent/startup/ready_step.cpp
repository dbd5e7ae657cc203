#include <boost/asio/post.hpp>

#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome ready_step(App& app) {
  // Last, so every shard's settings (the client lookup) are in place before it serves.
  if (app.vault_proxy) app.vault_proxy->serve();
  // Runs as the loop's first handler: /healthz turns 200 only once the loop really turns.
  boost::asio::post(app.io, [&app] {
    app.loop_running.store(true);
    log::info("ready");
  });
  return StepOutcome::ok();
}

}  // namespace panguard::agent
