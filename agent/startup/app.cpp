#include "agent/startup/app.h"

#include <boost/asio/steady_timer.hpp>

#include "agent/log/log.h"

namespace panguard::agent {
namespace {

// Polls until the last connection has closed or the deadline passes. A poll keeps the loop
// free of long timers that would hold run() open after the work is done.
void wait_for_drain(App& app, std::chrono::steady_clock::time_point deadline) {
  const bool drained = (!app.admin_server || app.admin_server->open_connections() == 0) &&
                       (!app.vault_proxy || app.vault_proxy->open_connections() == 0);
  if (drained || std::chrono::steady_clock::now() >= deadline) {
    if (!drained) log::warning("shutdown: drain timeout, closing open connections");
    app.io.stop();
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(app.io, std::chrono::milliseconds(20));
  timer->async_wait(
      [&app, deadline, timer](const boost::system::error_code&) { wait_for_drain(app, deadline); });
}

}  // namespace

void begin_shutdown(App& app, std::string_view why) {
  if (app.shutting_down) return;
  app.shutting_down = true;
  log::info("shutdown: ", why, ", draining");
  if (app.admin_server) app.admin_server->stop();
  if (app.vault_proxy) app.vault_proxy->stop();
  if (app.vault_audit) app.vault_audit->stop_listening();
  if (app.signals) {
    boost::system::error_code ignored;
    app.signals->cancel(ignored);
  }
  wait_for_drain(app, std::chrono::steady_clock::now() + app.options.drain_timeout);
}

}  // namespace panguard::agent
