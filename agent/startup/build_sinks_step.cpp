// Builds the alert router from alerts.routes (docs/alerts.md): one sink per route, tenant routes
// bound to their tenant. With no routes, today's behaviour: every alert as JSON lines on stdout.
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"
#include "alerts/alert_builder.h"
#include "alerts/audit/audit_file_sink.h"
#include "alerts/json_lines_sink.h"
#include "alerts/keys/node_key.h"
#include "alerts/router.h"
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
  std::map<alerts::AlertFormat, std::shared_ptr<alerts::Sink>> stdout_sinks;
};

std::shared_ptr<alerts::Sink> stdout_sink(BuiltSinks& built, alerts::AlertFormat format) {
  // One sink per format: routes that share stdout share its lock, so lines never interleave.
  auto& sink = built.stdout_sinks[format];
  if (!sink) sink = std::make_shared<alerts::JsonLinesSink>(format);
  return sink;
}

std::shared_ptr<alerts::Sink> audit_sink(const alerts::AuditFileOptions& options, App& app,
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
  options.on_platform_event = [reports](std::string rule, std::string reason) {
    reports->report({std::move(rule), rules::Priority::kCritical, "webhook", std::move(reason)});
  };
  return std::make_shared<alerts::WebhookSink>(std::move(options));
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
        case SinkType::kAuditFile: {
          auto audit = std::static_pointer_cast<alerts::AuditFileSink>(
              audit_sink(route.sink.audit, app, reports));
          built.audits.push_back(audit);
          sink = audit;
          break;
        }
        case SinkType::kWebhook: {
          auto hook = webhook_sink(route.sink.webhook, reports);
          built.webhooks.push_back(hook);
          sink = hook;
          break;
        }
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
  try {
    app.sink = std::make_unique<alerts::Router>(route_specs(app, *built, reports));
  } catch (const std::exception& e) {
    return StepOutcome::fail(kExitRuntime, e.what());
  }
  reports->router = app.sink.get();
  // Existing streams are checked now, so a tampered or damaged tail is refused (and alerted)
  // at start rather than at the stream's next alert.
  for (const auto& audit : built->audits) audit->open_existing();
  for (const auto& hook : built->webhooks) hook->start();
  app.close_sinks = [built, reports, drain = app.options.drain_timeout] {
    reports->router = nullptr;
    for (const auto& hook : built->webhooks) hook->stop(drain);
    for (const auto& audit : built->audits) audit->flush();
    built->webhooks.clear();
    built->audits.clear();
  };
  log::info("alerts: ", app.config->alert_routes().empty() ? 1 : app.config->alert_routes().size(),
            " route(s)");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
