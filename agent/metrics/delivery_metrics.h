// Alert delivery figures for /metrics, read from the router and the sinks at scrape time (they
// keep their own counters; copying them into gauges on a timer would only add staleness). The
// only label is the route name, which the operator chooses: never a tenant id or an event value.
// docs/alerts.md "Delivery metrics" lists the series.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/alertmanager/alertmanager_sink.h"
#include "alerts/audit/audit_file_sink.h"
#include "alerts/nats/nats_sink.h"
#include "alerts/router.h"
#include "alerts/webhook/webhook_sink.h"

namespace panguard::agent {

class DeliveryMetrics : public prometheus::Collectable {
 public:
  // The router's per-route delivered / failed / refused counts.
  void watch_router(std::shared_ptr<const alerts::Router> router);
  // One sink per route; `route` is the route's name.
  void watch(std::string route, std::shared_ptr<const alerts::AuditFileSink> sink);
  void watch(std::string route, std::shared_ptr<const alerts::WebhookSink> sink);
  void watch(std::string route, std::shared_ptr<const alerts::NatsSink> sink);
  void watch(std::string route, std::shared_ptr<const alerts::AlertmanagerSink> sink);
  // Forgets every router and sink (shutdown): later scrapes render no delivery series.
  void detach();

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  template <typename SinkT>
  struct Watched {
    std::string route;
    std::shared_ptr<const SinkT> sink;
  };

  mutable std::mutex mutex_;
  std::shared_ptr<const alerts::Router> router_;
  std::vector<Watched<alerts::AuditFileSink>> audits_;
  std::vector<Watched<alerts::WebhookSink>> webhooks_;
  std::vector<Watched<alerts::NatsSink>> nats_;
  std::vector<Watched<alerts::AlertmanagerSink>> alertmanagers_;
};

}  // namespace panguard::agent
