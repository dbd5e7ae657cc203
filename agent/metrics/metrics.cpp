#include "agent/metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <array>

namespace panguard::agent {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// 1 us .. ~4 ms: evaluation is expected in the microsecond range.
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 4e-3};
}

}  // namespace

std::string_view drop_stage_name(DropStage stage) {
  static constexpr std::array<std::string_view, 12> kNames = {"parse",
                                                              "ingest",
                                                              "no_pack",
                                                              "sink",
                                                              "admin_connection",
                                                              "vault_connection",
                                                              "audit_queue",
                                                              "audit_record",
                                                              "audit_parse",
                                                              "audit_connection",
                                                              "sensor_ring",
                                                              "sensor_record"};
  return kNames[static_cast<std::size_t>(stage)];
}

std::string_view vault_outcome_name(VaultOutcome outcome) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "forwarded", "denied", "limited", "rejected", "unauthenticated", "upstream_error"};
  return kNames[static_cast<std::size_t>(outcome)];
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      events_(BuildCounter()
                  .Name("panguard_events_total")
                  .Help("Events evaluated, by source")
                  .Register(*registry_)),
      rule_matches_(BuildCounter()
                        .Name("panguard_rule_matches_total")
                        .Help("Rule conditions that matched, by rule and priority (rate-limited "
                              "rules count every match, not only the alerts)")
                        .Register(*registry_)),
      alerts_(BuildCounter()
                  .Name("panguard_alerts_total")
                  .Help("Alerts emitted, by priority")
                  .Register(*registry_)),
      eval_latency_family_(BuildHistogram()
                               .Name("panguard_eval_latency_seconds")
                               .Help("Time to evaluate one event against the rule pack")
                               .Register(*registry_)),
      eval_latency_(eval_latency_family_.Add({}, latency_buckets())),
      drops_(BuildCounter()
                 .Name("panguard_drops_total")
                 .Help("Events, alerts or admin connections dropped, by stage")
                 .Register(*registry_)),
      reloads_(BuildCounter()
                   .Name("panguard_rule_pack_reloads_total")
                   .Help("Rule pack reloads, by result (accepted | refused)")
                   .Register(*registry_)),
      vault_requests_(BuildCounter()
                          .Name("panguard_vault_requests_total")
                          .Help("Requests the Vault proxy answered, by outcome (forwarded | "
                                "denied | limited | rejected | unauthenticated | upstream_error)")
                          .Register(*registry_)),
      deduplicated_(BuildCounter()
                        .Name("panguard_alerts_deduplicated_total")
                        .Help("Rule matches folded into an earlier alert by a rule's dedup window")
                        .Register(*registry_)
                        .Add({})),
      store_decisions_(BuildCounter()
                           .Name("panguard_store_decisions_total")
                           .Help("Rate-limit decisions, by who answered (store | failure_mode)")
                           .Register(*registry_)),
      store_degraded_(BuildGauge()
                          .Name("panguard_store_degraded")
                          .Help("1 while the shared counter store cannot answer, else 0")
                          .Register(*registry_)
                          .Add({})),
      sensor_degraded_(BuildGauge()
                           .Name("panguard_sensor_degraded")
                           .Help("1 while the eBPF sensor is enabled but not running, else 0")
                           .Register(*registry_)
                           .Add({})),
      enforce_denials_(BuildCounter()
                           .Name("panguard_enforce_denials_total")
                           .Help("Connects to Vault refused in the kernel (enforce.vault_direct)")
                           .Register(*registry_)
                           .Add({})) {
  // Known label values start at zero so dashboards and alerts see the series before the
  // first increment.
  for (std::size_t s = 0; s < rules::kSourceCount; ++s) {
    event_counters_[s] =
        &events_.Add({{"source", std::string(rules::source_name(static_cast<rules::Source>(s)))}});
  }
  for (const auto stage :
       {DropStage::kParse, DropStage::kIngest, DropStage::kNoPack, DropStage::kSink,
        DropStage::kAdminConnection, DropStage::kVaultConnection, DropStage::kAuditQueue,
        DropStage::kAuditRecord, DropStage::kAuditParse, DropStage::kAuditConnection,
        DropStage::kSensorRing, DropStage::kSensorRecord}) {
    drops_.Add({{"stage", std::string(drop_stage_name(stage))}});
  }
  store_decisions_.Add({{"source", "store"}});
  store_decisions_.Add({{"source", "failure_mode"}});
  reloads_.Add({{"result", "accepted"}});
  reloads_.Add({{"result", "refused"}});
  for (const auto outcome :
       {VaultOutcome::kForwarded, VaultOutcome::kDenied, VaultOutcome::kLimited,
        VaultOutcome::kRejected, VaultOutcome::kUnauthenticated, VaultOutcome::kUpstreamError}) {
    vault_request_counters_[static_cast<std::size_t>(outcome)] =
        &vault_requests_.Add({{"outcome", std::string(vault_outcome_name(outcome))}});
  }
}

void Metrics::count_event(rules::Source source) {
  event_counters_[static_cast<std::size_t>(source)]->Increment();
}

void Metrics::count_rule_match(std::string_view rule, rules::Priority priority) {
  rule_matches_
      .Add({{"rule", std::string(rule)}, {"priority", std::string(rules::priority_name(priority))}})
      .Increment();
}

void Metrics::count_alert(rules::Priority priority) {
  alerts_.Add({{"priority", std::string(rules::priority_name(priority))}}).Increment();
}

void Metrics::observe_eval_latency(double seconds) { eval_latency_.Observe(seconds); }

void Metrics::count_drop(DropStage stage, double n) {
  drops_.Add({{"stage", std::string(drop_stage_name(stage))}}).Increment(n);
}

void Metrics::count_reload(bool accepted) {
  reloads_.Add({{"result", accepted ? "accepted" : "refused"}}).Increment();
}

void Metrics::count_vault_request(VaultOutcome outcome) {
  vault_request_counters_[static_cast<std::size_t>(outcome)]->Increment();
}

void Metrics::count_deduplicated() { deduplicated_.Increment(); }

void Metrics::count_store_decision(bool by_failure_mode) {
  store_decisions_.Add({{"source", by_failure_mode ? "failure_mode" : "store"}}).Increment();
}

void Metrics::set_store_degraded(bool degraded) { store_degraded_.Set(degraded ? 1 : 0); }

void Metrics::set_sensor_degraded(bool degraded) { sensor_degraded_.Set(degraded ? 1 : 0); }

void Metrics::count_enforce_denials(double n) { enforce_denials_.Increment(n); }

void Metrics::add_collectable(std::shared_ptr<const prometheus::Collectable> collectable) {
  std::lock_guard lock(collectables_mutex_);
  collectables_.push_back(std::move(collectable));
}

std::string Metrics::render() const {
  auto families = registry_->Collect();
  std::lock_guard lock(collectables_mutex_);
  for (const auto& collectable : collectables_) {
    auto more = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace panguard::agent
