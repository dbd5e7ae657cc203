// Builds the alert router from alerts.routes (docs/alerts.md): one sink per route, tenant routes
// bound to their tenant. With no routes, today's behaviour: every alert as JSON lines on stdout.
// In front of the router sits the per-tenant summary (alerts.summary_period_ms); the router and
// the sinks' own counters are exported at /metrics scrape time (agent/metrics/delivery_metrics.h).
#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/metrics/delivery_metrics.h"
#include "agent/startup/startup_step.h"
#include "alerts/alert_builder.h"
#include "alerts/alertmanager/alertmanager_sink.h"
#include "alerts/audit/audit_file_sink.h"
#include "alerts/json_lines_sink.h"
#include "alerts/keys/node_key.h"
#include "alerts/nats/nats_sink.h"
#include "alerts/router.h"
#include "alerts/tenant_summary.h"
#include "alerts/webhook/webhook_sink.h"

namespace panguard::agent {
namespace {

// Where sinks send platform events of their own (audit stream refused, webhook dead-letter):
// the router, once it exists, and never after close. Sinks call this from their own threads.
struct PlatformReports {
  std::atomic<alerts::Sink*> router{nullptr};
  std::string node;
  const TimeSource* clock = nullptr;

  void report(const alerts::PlatformAlertSpec& spec) const {
    log::error("alerts: ", spec.component, ": ", spec.reason);
    alerts::Sink* target = router.load();
    if (!target) return;
    target->write(alerts::build_platform_alert(spec, {node, "none", clock->now_ns()}));
  }
};

struct BuiltSinks {
  std::vector<std::shared_ptr<alerts::AuditFileSink>> audits;
  std::vector<std::shared_ptr<alerts::WebhookSink>> webhooks;
  std::vector<std::shared_ptr<alerts::NatsSink>> nats;
  std::vector<std::shared_ptr<alerts::AlertmanagerSink>> alertmanagers;
  std::map<alerts::AlertFormat, std::shared_ptr<alerts::Sink>> stdout_sinks;
  std::shared_ptr<DeliveryMetrics> metrics = std::make_shared<DeliveryMetrics>();
};

// Ends a summary period every `period` on the io thread. The timer lives in close_sinks' state
// and its handler holds only a weak pointer, so a shutdown never runs a flush on a dead summary.
struct SummaryTimer {
  SummaryTimer(boost::asio::io_context& io, std::shared_ptr<alerts::TenantSummary> s,
               std::chrono::milliseconds every)
      : timer(io), summary(std::move(s)), period(every) {}

  static void arm(const std::shared_ptr<SummaryTimer>& self) {
    self->timer.expires_after(self->period);
    self->timer.async_wait(
        [weak = std::weak_ptr<SummaryTimer>(self)](boost::system::error_code ec) {
          const auto me = weak.lock();
          if (ec || !me) return;
          me->summary->flush();
          arm(me);
        });
  }

  boost::asio::steady_timer timer;
  std::shared_ptr<alerts::TenantSummary> summary;
  std::chrono::milliseconds period;
};

// A network sink's own trouble (queue full, dead letters, disconnects) as critical platform
// alerts of `component`.
std::function<void(std::string, std::string)> platform_events(
    const std::shared_ptr<PlatformReports>& reports, const char* component) {
  return [reports, component](std::string rule, std::string reason) {
    reports->report({std::move(rule), rules::Priority::kCritical, component, std::move(reason)});
  };
}

std::shared_ptr<alerts::Sink> stdout_sink(BuiltSinks& built, alerts::AlertFormat format) {
  // One sink per format: routes that share stdout share its lock, so lines never interleave.
  auto& sink = built.stdout_sinks[format];
  if (!sink) sink = std::make_shared<alerts::JsonLinesSink>(format);
  return sink;
}

std::shared_ptr<alerts::AuditFileSink> audit_sink(const alerts::AuditFileOptions& options, App& app,
                                                  const std::shared_ptr<PlatformReports>& reports) {
  std::optional<alerts::NodeKey> key;
  if (!options.node_key_file.empty()) {
    auto loaded = alerts::load_private_key_file(options.node_key_file);
    if (auto* error = std::get_if<alerts::KeyError>(&loaded)) {
      throw std::runtime_error(error->message);
    }
    key = std::get<alerts::NodeKey>(loaded);
  }
  return std::make_shared<alerts::AuditFileSink>(
      options, std::move(key),
      [reports](const alerts::PlatformAlertSpec& spec) { reports->report(spec); },
      [&app] { return app.clock.now_ns(); });
}

std::string read_secret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read webhook secret file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();  // the sink trims trailing whitespace; the secret is never logged
}

std::shared_ptr<alerts::WebhookSink> webhook_sink(const WebhookSinkSettings& settings,
                                                  const std::shared_ptr<PlatformReports>& reports) {
  alerts::WebhookOptions options;
  options.url = settings.url;
  options.ca_file = settings.ca_file;
  for (const std::string& file : settings.secret_files)
    options.secrets.push_back(read_secret(file));
  options.spool_dir = settings.spool_dir;
  options.spool_max_bytes = settings.spool_max_bytes;
  options.request_timeout = std::chrono::milliseconds(settings.timeout_ms);
  options.max_in_flight = settings.max_in_flight;
  options.max_batch = settings.max_batch;
  options.dead_letter_path = settings.dead_letter_file;
  options.on_platform_event = platform_events(reports, "webhook");
  return std::make_shared<alerts::WebhookSink>(std::move(options));
}

// The NATS sink reads its own secret files (password_file, token_file, credentials_file).
std::shared_ptr<alerts::NatsSink> nats_sink(const NatsSinkSettings& settings,
                                            alerts::AlertFormat format,
                                            const std::shared_ptr<PlatformReports>& reports) {
  using std::chrono::milliseconds;
  alerts::NatsOptions options;
  options.servers = settings.servers;
  options.credentials_file = settings.credentials_file;
  options.user = settings.user;
  options.password_file = settings.password_file;
  options.token_file = settings.token_file;
  options.ca_file = settings.ca_file;
  options.stream = settings.stream;
  options.create_stream = settings.create_stream;
  options.duplicate_window = milliseconds(settings.duplicate_window_ms);
  options.queue_size = settings.queue_size;
  options.max_in_flight = settings.max_in_flight;
  options.ack_timeout = milliseconds(settings.ack_timeout_ms);
  options.reconnect_buffer_bytes = settings.reconnect_buffer_bytes;
  options.reconnect_wait = milliseconds(settings.reconnect_wait_ms);
  options.backoff_min = milliseconds(settings.backoff_min_ms);
  options.backoff_max = milliseconds(settings.backoff_max_ms);
  options.format = format;
  options.on_platform_event = platform_events(reports, "nats");
  return std::make_shared<alerts::NatsSink>(std::move(options));
}

std::shared_ptr<alerts::AlertmanagerSink> alertmanager_sink(
    const AlertmanagerSinkSettings& settings, const std::shared_ptr<PlatformReports>& reports) {
  using std::chrono::milliseconds;
  alerts::AlertmanagerOptions options;
  options.url = settings.url;
  options.ca_file = settings.ca_file;
  options.resolve_timeout = milliseconds(settings.resolve_timeout_ms);
  options.max_batch = settings.max_batch;
  options.batch_linger = milliseconds(settings.batch_linger_ms);
  options.queue_size = settings.queue_size;
  options.request_timeout = milliseconds(settings.timeout_ms);
  options.backoff_min = milliseconds(settings.backoff_min_ms);
  options.backoff_max = milliseconds(settings.backoff_max_ms);
  options.on_platform_event = platform_events(reports, "alertmanager");
  return std::make_shared<alerts::AlertmanagerSink>(std::move(options));
}

// Keeps a built sink for start and shutdown, and exports its counters under the route's name.
template <typename SinkT>
std::shared_ptr<alerts::Sink> keep(std::vector<std::shared_ptr<SinkT>>& kept,
                                   DeliveryMetrics& metrics, const std::string& route,
                                   std::shared_ptr<SinkT> sink) {
  kept.push_back(sink);
  metrics.watch(route, sink);
  return sink;
}

// The sinks with a thread and a network destination: started after the router exists, drained
// at shutdown. `fn` is called with each one's shared_ptr.
template <typename Fn>
void for_each_network_sink(const BuiltSinks& built, Fn fn) {
  for (const auto& sink : built.webhooks) fn(sink);
  for (const auto& sink : built.nats) fn(sink);
  for (const auto& sink : built.alertmanagers) fn(sink);
}

std::vector<alerts::RouteSpec> route_specs(App& app, BuiltSinks& built,
                                           const std::shared_ptr<PlatformReports>& reports) {
  std::vector<alerts::RouteSpec> specs;
  if (app.config->alert_routes().empty()) {
    specs.push_back({"stdout", alerts::RouteScope::kAllTenants, "", rules::Priority::kDebug, true,
                     stdout_sink(built, app.config->alert_format())});
    return specs;
  }
  for (const AlertRoute& route : app.config->alert_routes()) {
    std::shared_ptr<alerts::Sink> sink;
    try {
      switch (route.sink.type) {
        case SinkType::kStdout:
          sink = stdout_sink(built, route.sink.format.value_or(app.config->alert_format()));
          break;
        case SinkType::kAuditFile:
          sink = keep(built.audits, *built.metrics, route.name,
                      audit_sink(route.sink.audit, app, reports));
          break;
        case SinkType::kWebhook:
          sink = keep(built.webhooks, *built.metrics, route.name,
                      webhook_sink(route.sink.webhook, reports));
          break;
        case SinkType::kNats:
          sink = keep(built.nats, *built.metrics, route.name,
                      nats_sink(route.sink.nats,
                                route.sink.format.value_or(app.config->alert_format()), reports));
          break;
        case SinkType::kAlertmanager:
          sink = keep(built.alertmanagers, *built.metrics, route.name,
                      alertmanager_sink(route.sink.alertmanager, reports));
          break;
      }
    } catch (const std::exception& e) {
      throw std::runtime_error("alerts.routes '" + route.name + "': " + e.what());
    }
    specs.push_back({route.name, route.scope, route.tenant, route.min_priority,
                     route.include_platform, std::move(sink)});
  }
  return specs;
}

}  // namespace

StepOutcome build_sinks_step(App& app) {
  auto reports = std::make_shared<PlatformReports>();
  reports->node = app.config->node_name();
  reports->clock = &app.clock;
  auto built = std::make_shared<BuiltSinks>();
  std::shared_ptr<alerts::Router> router;
  try {
    router = std::make_shared<alerts::Router>(route_specs(app, *built, reports));
  } catch (const std::exception& e) {
    return StepOutcome::fail(kExitRuntime, e.what());
  }
  reports->router = router.get();
  built->metrics->watch_router(router);
  app.metrics.add_collectable(built->metrics);
  app.sink = router;
  std::shared_ptr<SummaryTimer> summary_timer;
  if (const int64_t period = app.config->summary_period_ms(); period > 0) {
    auto summary = std::make_shared<alerts::TenantSummary>(router, app.config->node_name(),
                                                           [&app] { return app.clock.now_ns(); });
    app.sink = summary;
    summary_timer = std::make_shared<SummaryTimer>(app.io, std::move(summary),
                                                   std::chrono::milliseconds(period));
    SummaryTimer::arm(summary_timer);
  }
  // Existing streams are checked now, so a tampered or damaged tail is refused (and alerted)
  // at start rather than at the stream's next alert.
  for (const auto& audit : built->audits) audit->open_existing();
  for_each_network_sink(*built, [](const auto& sink) { sink->start(); });
  app.close_sinks = [built, reports, summary_timer, drain = app.options.drain_timeout]() mutable {
    // The last, partial period goes out while the sinks still accept (once: the map is empty
    // after a flush, and the timer is dropped).
    if (summary_timer) {
      summary_timer->timer.cancel();
      summary_timer->summary->flush();
      summary_timer.reset();
    }
    reports->router = nullptr;
    built->metrics->detach();
    // Network sinks drain side by side, so shutdown waits about `drain` however many there are.
    std::vector<std::thread> stopping;
    for_each_network_sink(*built, [&stopping, drain](const auto& sink) {
      stopping.emplace_back([&sink, drain] { sink->stop(drain); });
    });
    for (auto& thread : stopping) thread.join();
    for (const auto& audit : built->audits) audit->flush();
    built->webhooks.clear();
    built->nats.clear();
    built->alertmanagers.clear();
    built->audits.clear();
  };
  log::info("alerts: ", app.config->alert_routes().empty() ? 1 : app.config->alert_routes().size(),
            " route(s)");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
