#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome start_admin_step(App& app) {
  Pipeline* ingest = nullptr;
  if (app.config->allow_event_ingest()) {
    ingest = app.pipeline.get();
    log::warning(
        "admin: POST /v1/events is enabled; it trusts the tenant ids in posted events, "
        "use it for tests and local replay only");
  }
  AdminState state{app.metrics, app.packs, app.loop_running, ingest, app.clock, app.store.get()};
  // The sensor starts after the admin server; the note reads it when /readyz is asked.
  state.degraded_notes.push_back([&app]() -> std::string {
    if (!app.sensor || app.sensor->ok()) return "";
    return "eBPF sensor: " + app.sensor->status();
  });
  state.degraded_notes.push_back([&app]() -> std::string {
    if (!app.sensor || !app.sensor->ok() || !app.pod_directory || app.pod_directory->synced()) {
      return "";
    }
    return "pod directory: Kubernetes API not synced yet (kernel events carry no tenant)";
  });
  app.admin_routes = std::make_unique<AdminRoutes>(std::move(state));
  app.admin_server =
      std::make_unique<AdminServer>(app.io, *app.admin_routes, app.metrics, AdminServerOptions{});
  const std::string error = app.admin_server->start(app.config->admin_listen());
  if (!error.empty()) return StepOutcome::fail(kExitRuntime, error);

  const auto endpoint = app.admin_server->local_endpoint();
  const ListenAddress bound{endpoint.address().to_string(), endpoint.port()};
  // Tests and scripts read the port from this line when admin.listen asks for port 0.
  log::info("admin listening on ", bound.to_string());
  return StepOutcome::ok();
}

}  // namespace panguard::agent
