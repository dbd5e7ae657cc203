#include <boost/asio/post.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"
#include "agent/store/memory_store.h"
#include "agent/store/redis/redis_client.h"
#include "agent/store/redis/redis_store.h"

namespace panguard::agent {
namespace {

// The Redis password comes from a file (a mounted Kubernetes secret), never from the config.
// One trailing newline is dropped; anything else is taken as written.
std::optional<std::string> read_password(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "store.redis.password_file: cannot read " + path;
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string password = text.str();
  if (password.ends_with('\n')) password.pop_back();
  if (password.ends_with('\r')) password.pop_back();
  if (password.empty()) {
    error = "store.redis.password_file: " + path + " is empty";
    return std::nullopt;
  }
  return password;
}

// Runs on the Redis client's thread: hop to the io thread, which owns the pipeline.
void report_health(App& app, const StoreHealthEvent& event) {
  boost::asio::post(app.io, [&app, event] {
    app.metrics.set_store_degraded(event.degraded);
    if (event.degraded) {
      log::warning("store: degraded: ", event.reason, " (", event.failed_calls_since_last,
                   " calls answered by the failure mode)");
    } else {
      log::info("store: recovered");
    }
    if (!app.pipeline) return;
    const std::string reason = event.degraded ? event.reason + "; " +
                                                    std::to_string(event.failed_calls_since_last) +
                                                    " calls answered by the failure mode"
                                              : "the shared counter store answers again";
    app.pipeline->emit_platform(
        {event.degraded ? "Counter store degraded" : "Counter store recovered",
         event.degraded ? rules::Priority::kCritical : rules::Priority::kNotice, "store", reason},
        app.clock.now_ns());
  });
}

}  // namespace

StepOutcome open_store_step(App& app) {
  const StoreSettings& settings = app.config->store();
  if (settings.backend == StoreBackend::kMemory) {
    app.store = std::make_unique<MemoryStore>();
    log::info("store: in-process (single node)");
    return StepOutcome::ok();
  }

  redis::ClientOptions client;
  for (const RedisAddress& address : settings.redis_addresses) {
    client.seeds.emplace_back(address.host, address.port);
  }
  client.cluster = settings.redis_cluster;
  client.connect_timeout = std::chrono::milliseconds(settings.connect_timeout_ms);
  client.command_timeout = std::chrono::milliseconds(settings.command_timeout_ms);
  client.username = settings.redis_username;
  if (!settings.redis_password_file.empty()) {
    std::string error;
    auto password = read_password(settings.redis_password_file, error);
    if (!password) return StepOutcome::fail(kExitRuntime, error);
    client.password = std::move(*password);
  }
  client.on_event = [](const std::string& what) { log::info("store: redis: ", what); };
  app.redis = std::make_unique<redis::RedisClient>(std::move(client));
  app.redis->start();

  RedisStoreOptions options;
  options.failure_mode = settings.failure_mode;
  options.expected_nodes = settings.expected_nodes;
  options.batch_across_slots = !settings.redis_cluster;
  options.degraded_report_period = std::chrono::milliseconds(settings.degraded_report_period_ms);
  options.on_health = [&app](const StoreHealthEvent& event) { report_health(app, event); };
  app.store = std::make_unique<RedisStore>(*app.redis, std::move(options));
  log::info("store: redis ", settings.redis_cluster ? "cluster" : "server", " (",
            settings.redis_addresses.size(), " address(es)), failure mode ",
            rules::store_failure_mode_name(settings.failure_mode));
  return StepOutcome::ok();
}

}  // namespace panguard::agent
