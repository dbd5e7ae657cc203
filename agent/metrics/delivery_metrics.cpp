#include "agent/metrics/delivery_metrics.h"

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace panguard::agent {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Families in the order first used; each series labelled {route} plus at most one fixed label.
class Families {
 public:
  void counter(const char* name, const char* help, const std::string& route, double value,
               std::pair<const char*, const char*> extra = {nullptr, nullptr}) {
    add(name, help, MetricType::Counter, route, value, extra);
  }
  void gauge(const char* name, const char* help, const std::string& route, double value) {
    add(name, help, MetricType::Gauge, route, value, {nullptr, nullptr});
  }
  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  void add(const char* name, const char* help, MetricType type, const std::string& route,
           double value, std::pair<const char*, const char*> extra) {
    auto [at, added] = index_.emplace(name, families_.size());
    if (added) families_.push_back(MetricFamily{name, help, type, {}});
    ClientMetric metric;
    metric.label.push_back({"route", route});
    if (extra.first) metric.label.push_back({extra.first, extra.second});
    if (type == MetricType::Counter) metric.counter.value = value;
    if (type == MetricType::Gauge) metric.gauge.value = value;
    families_[at->second].metric.push_back(std::move(metric));
  }

  std::map<std::string, std::size_t> index_;
  std::vector<MetricFamily> families_;
};

constexpr const char* kAcked = "panguard_sink_acknowledged_total";
constexpr const char* kAckedHelp =
    "Alerts the destination confirmed (audit: appended; webhook/alertmanager: 2xx; nats: stream "
    "ack), by route";
constexpr const char* kDropped = "panguard_sink_dropped_total";
constexpr const char* kDroppedHelp =
    "Alerts a sink refused, by route and reason (queue_full | spool_full | stopped | invalid | "
    "broken)";
constexpr const char* kQueue = "panguard_sink_queue_depth";
constexpr const char* kQueueHelp = "Alerts accepted by a sink and not yet confirmed, by route";
constexpr const char* kRetries = "panguard_sink_retries_total";
constexpr const char* kRetriesHelp = "Delivery attempts that failed transiently and were retried";
constexpr const char* kRequests = "panguard_sink_requests_total";
constexpr const char* kRequestsHelp =
    "Delivery attempts (HTTP requests; NATS publishes), retries included, by route";
constexpr const char* kDeadLetters = "panguard_sink_dead_letters_total";
constexpr const char* kDeadLettersHelp =
    "Alerts refused permanently by the destination (webhook dead-letter file; Alertmanager 4xx)";
constexpr const char* kAbandoned = "panguard_sink_abandoned_total";
constexpr const char* kAbandonedHelp =
    "Alerts still unconfirmed when a sink stopped (nats, "
    "alertmanager; a webhook keeps them in its spool)";

// The series every sink shares, in one order whatever the sink: what a sink does not have is
// left unset and not rendered.
struct SinkFigures {
  uint64_t acknowledged = 0;
  std::vector<std::pair<const char*, uint64_t>> dropped;  // by reason
  std::optional<uint64_t> queue_depth;
  std::optional<uint64_t> requests;
  std::optional<uint64_t> retries;
  std::optional<uint64_t> dead_letters;
  std::optional<uint64_t> abandoned;
};

void add_sink_figures(Families& out, const std::string& route, const SinkFigures& f) {
  const auto counter = [&](const char* name, const char* help, std::optional<uint64_t> value) {
    if (value) out.counter(name, help, route, static_cast<double>(*value));
  };
  counter(kAcked, kAckedHelp, f.acknowledged);
  for (const auto& [reason, count] : f.dropped) {
    out.counter(kDropped, kDroppedHelp, route, static_cast<double>(count), {"reason", reason});
  }
  if (f.queue_depth) out.gauge(kQueue, kQueueHelp, route, static_cast<double>(*f.queue_depth));
  counter(kRequests, kRequestsHelp, f.requests);
  counter(kRetries, kRetriesHelp, f.retries);
  counter(kDeadLetters, kDeadLettersHelp, f.dead_letters);
  counter(kAbandoned, kAbandonedHelp, f.abandoned);
}

}  // namespace

void DeliveryMetrics::watch_router(std::shared_ptr<const alerts::Router> router) {
  std::lock_guard lock(mutex_);
  router_ = std::move(router);
}

void DeliveryMetrics::watch(std::string route, std::shared_ptr<const alerts::AuditFileSink> sink) {
  std::lock_guard lock(mutex_);
  audits_.push_back({std::move(route), std::move(sink)});
}

void DeliveryMetrics::watch(std::string route, std::shared_ptr<const alerts::WebhookSink> sink) {
  std::lock_guard lock(mutex_);
  webhooks_.push_back({std::move(route), std::move(sink)});
}

void DeliveryMetrics::watch(std::string route, std::shared_ptr<const alerts::NatsSink> sink) {
  std::lock_guard lock(mutex_);
  nats_.push_back({std::move(route), std::move(sink)});
}

void DeliveryMetrics::watch(std::string route,
                            std::shared_ptr<const alerts::AlertmanagerSink> sink) {
  std::lock_guard lock(mutex_);
  alertmanagers_.push_back({std::move(route), std::move(sink)});
}

void DeliveryMetrics::detach() {
  std::lock_guard lock(mutex_);
  router_.reset();
  audits_.clear();
  webhooks_.clear();
  nats_.clear();
  alertmanagers_.clear();
}

std::vector<MetricFamily> DeliveryMetrics::Collect() const {
  std::lock_guard lock(mutex_);
  Families out;
  if (router_) {
    for (const auto& route : router_->stats()) {
      out.counter("panguard_alerts_delivered_total",
                  "Alerts the router handed to a route's sink and the sink accepted, by route",
                  route.name, static_cast<double>(route.delivered));
      out.counter("panguard_alerts_failed_total",
                  "Alerts a route's sink refused (counted again by reason in "
                  "panguard_sink_dropped_total), by route",
                  route.name, static_cast<double>(route.failed));
      out.counter("panguard_alerts_refused_total",
                  "Alerts a tenant route's bound-tenant check refused (a bug if not 0), by route",
                  route.name, static_cast<double>(route.refused));
    }
  }
  for (const auto& [route, sink] : audits_) {
    const auto s = sink->stats();
    add_sink_figures(out, route,
                     {.acknowledged = s.appended,
                      .dropped = {{"queue_full", s.queue_full}, {"broken", s.failed}}});
  }
  for (const auto& [route, sink] : webhooks_) {
    const auto s = sink->stats();
    add_sink_figures(out, route,
                     {.acknowledged = s.delivered,
                      .dropped = {{"spool_full", s.dropped_spool_full},
                                  {"stopped", s.dropped_stopped},
                                  {"invalid", s.dropped_invalid}},
                      .queue_depth = s.pending,
                      .requests = s.requests,
                      .retries = s.retries,
                      .dead_letters = s.dead_lettered});
    out.gauge("panguard_webhook_spool_bytes", "Bytes in a webhook route's spool segments", route,
              static_cast<double>(s.spool_bytes));
    out.counter("panguard_webhook_spool_corrupt_records_total",
                "Spool records skipped at replay (bad length, CRC or shape), by route", route,
                static_cast<double>(s.corrupt_records));
  }
  for (const auto& [route, sink] : nats_) {
    const auto s = sink->stats();
    add_sink_figures(out, route,
                     {.acknowledged = s.acked,
                      .dropped = {{"queue_full", s.dropped_queue_full},
                                  {"stopped", s.dropped_stopped},
                                  {"invalid", s.dropped_invalid}},
                      .queue_depth = s.queued + s.in_flight,
                      .requests = s.published,
                      .retries = s.retries,
                      .abandoned = s.abandoned});
    out.counter("panguard_nats_disconnects_total", "NATS connection losses, by route", route,
                static_cast<double>(s.disconnects));
    out.counter("panguard_nats_duplicates_total",
                "Publishes the stream acknowledged as duplicates (retries it already had)", route,
                static_cast<double>(s.duplicates));
  }
  for (const auto& [route, sink] : alertmanagers_) {
    const auto s = sink->stats();
    add_sink_figures(
        out, route,
        {.acknowledged = s.delivered,
         .dropped = {{"queue_full", s.dropped_queue_full}, {"stopped", s.dropped_stopped}},
         .queue_depth = s.queued,
         .requests = s.requests,
         .retries = s.retries,
         .dead_letters = s.rejected,
         .abandoned = s.abandoned});
  }
  return out.take();
}

}  // namespace panguard::agent
