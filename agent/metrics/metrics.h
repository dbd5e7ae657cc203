// Prometheus metrics. Labels are operator-defined names only (source, rule, priority, stage,
// result): never a tenant id or any value taken from an event. Per-tenant figures go out as
// alerts and logs instead.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rules/priority.h"
#include "rules/source.h"

namespace panguard::agent {

// Why an event, alert or admin connection was dropped; the `stage` label of
// panguard_drops_total. The audit_* stages are Vault audit records: queue full, unframeable
// (over max_record_bytes, missing prefix, cut off) and rejected by the record parser; and
// audit-socket connections refused over the connection cap. sensor_* are eBPF sensor records.
enum class DropStage {
  kParse,
  kIngest,
  kNoPack,
  kSink,
  kAdminConnection,
  kVaultConnection,
  kAuditQueue,
  kAuditRecord,
  kAuditParse,
  kAuditConnection,
  kSensorRing,    // eBPF sensor: records lost in the kernel, ring buffer full
  kSensorRecord,  // eBPF sensor: records refused by the decoder (size, version, kind)
};
std::string_view drop_stage_name(DropStage stage);

// What the Vault proxy did with one request; the `outcome` label of
// panguard_vault_requests_total.
enum class VaultOutcome {
  kForwarded,
  kDenied,
  kLimited,
  kRejected,
  kUnauthenticated,
  kUpstreamError
};
std::string_view vault_outcome_name(VaultOutcome outcome);

class Metrics {
 public:
  Metrics();

  void count_event(rules::Source source);
  void count_rule_match(std::string_view rule, rules::Priority priority);
  void count_alert(rules::Priority priority);
  void observe_eval_latency(double seconds);
  void count_drop(DropStage stage, double n = 1);
  void count_reload(bool accepted);
  void count_vault_request(VaultOutcome outcome);
  void count_deduplicated();
  // Rate decisions by who answered: the shared store, or the failure mode while it could not.
  void count_store_decision(bool by_failure_mode);
  void set_store_degraded(bool degraded);
  void set_sensor_degraded(bool degraded);
  // Connects the kernel refused (enforce.vault_direct: deny), as counted in the kernel.
  void count_enforce_denials(double n);

  // Series computed at scrape time by their owner (alert delivery: agent/metrics/
  // delivery_metrics.h), rendered after the registry's own. Same label rule: no tenant values.
  void add_collectable(std::shared_ptr<const prometheus::Collectable> collectable);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex collectables_mutex_;
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectables_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& rule_matches_;
  prometheus::Family<prometheus::Counter>& alerts_;
  prometheus::Family<prometheus::Histogram>& eval_latency_family_;
  prometheus::Histogram& eval_latency_;
  prometheus::Family<prometheus::Counter>& drops_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Counter>& vault_requests_;
  prometheus::Counter& deduplicated_;
  prometheus::Family<prometheus::Counter>& store_decisions_;
  prometheus::Gauge& store_degraded_;
  prometheus::Gauge& sensor_degraded_;
  prometheus::Counter& enforce_denials_;
  // The per-event and per-request series, looked up once: Family::Add builds a label map and
  // takes the family's lock, which the Vault proxy's hot path would pay twice per request.
  std::array<prometheus::Counter*, rules::kSourceCount> event_counters_{};
  std::array<prometheus::Counter*, 6> vault_request_counters_{};
};

}  // namespace panguard::agent
