// Token-to-workload binding: once both the Vault proxy and the sensor run, the sensor records
// who connects to the proxy's port and the proxy looks each accepted connection up. Without the
// sensor, every request carries client.source = none and the binding rule cannot fire: logged
// once here, never fatal (the JWT checks still apply).
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome bind_vault_clients_step(App& app) {
  if (!app.vault_proxy) return StepOutcome::ok();
  const auto peers = app.sensor && app.sensor->ok() ? app.sensor->peer_resolver() : nullptr;
  if (!peers) {
    log::info(
        "vault proxy: calling workloads are not resolved (the eBPF sensor is not running), "
        "so session tokens are bound to no pod");
    return StepOutcome::ok();
  }
  const uint16_t port = app.vault_proxy->local_endpoint().port();
  if (std::string error = peers->watch_port(port); !error.empty()) {
    log::warning("vault proxy: calling workloads are not resolved: ", error);
    return StepOutcome::ok();
  }
  // The io loop has not started yet, so no connection is being served while this is set.
  app.vault_proxy->set_client_lookup([peers](const boost::asio::ip::tcp::endpoint& remote,
                                             const boost::asio::ip::tcp::endpoint& local) {
    return peers->resolve({remote, local});
  });
  log::info("vault proxy: calling workloads resolved from the kernel's connect records (port ",
            port, ")");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
