// Everything `panguard run` owns, built up by the startup steps in order and torn down in
// reverse. Only the io thread touches the non-atomic members after startup.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/admin/admin_routes.h"
#include "agent/admin/admin_server.h"
#include "agent/config/config.h"
#include "agent/metrics/metrics.h"
#include "agent/packs/pack_snapshot.h"
#include "agent/pipeline/pipeline.h"
#include "agent/sources/bpf/sensor_service.h"
#include "agent/store/redis/redis_client.h"
#include "agent/store/store.h"
#include "agent/time_source.h"
#include "agent/vault_audit/vault_audit_service.h"
#include "agent/vault_proxy/sharded_vault_proxy.h"
#include "alerts/sink.h"

namespace panguard::agent {

struct RunOptions {
  std::optional<std::string> config_path;  // none: embedded defaults
  std::chrono::milliseconds drain_timeout{5'000};
};

struct App {
  explicit App(RunOptions run_options) : options(std::move(run_options)) {}
  // Answers the store calls still in flight while the pipeline that waits on them exists.
  ~App() {
    vault_proxy.reset();         // its other io threads stop before what they use goes
    if (sensor) sensor->stop();  // no kernel events into a pipeline that is going away
    if (redis) redis->stop();
    if (close_sinks) close_sinks();
  }

  RunOptions options;
  boost::asio::io_context io;
  RealTimeSource clock;
  Metrics metrics;
  PackHolder packs;
  std::atomic<bool> loop_running{false};

  std::shared_ptr<const Config> config;            // load_config
  std::shared_ptr<alerts::Sink> sink;              // build_sinks: tenant summary -> router
  std::function<void()> close_sinks;               // build_sinks: flush files, stop webhooks
  std::unique_ptr<redis::RedisClient> redis;       // open_store (store.backend: redis)
  std::unique_ptr<Store> store;                    // open_store
  std::unique_ptr<Pipeline> pipeline;              // load_rules
  std::unique_ptr<AdminRoutes> admin_routes;       // start_admin
  std::unique_ptr<AdminServer> admin_server;       // start_admin
  std::unique_ptr<ShardedVaultProxy> vault_proxy;  // start_vault_proxy (vault.enabled)
  std::unique_ptr<VaultAuditService> vault_audit;  // start_vault_audit (vault_audit.enabled)
  std::unique_ptr<sensor::SensorService> sensor;   // start_sensor (sensor.enabled)
  // start_sensor: the sensor's pod directory, owned by `sensor`; for /readyz.
  const identity::PodDirectory* pod_directory = nullptr;
  std::unique_ptr<boost::asio::signal_set> signals;  // install_signals

  bool shutting_down = false;
};

// SIGTERM/SIGINT: stop accepting, let requests in progress finish (up to drain_timeout), then
// stop the loop so run() returns.
void begin_shutdown(App& app, std::string_view why);

}  // namespace panguard::agent
