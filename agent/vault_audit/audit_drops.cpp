#include "agent/vault_audit/audit_drops.h"

#include "agent/log/log.h"

namespace panguard::agent {

void AuditDropCounts::count(std::atomic<uint64_t>& counter, DropStage stage, const char* what) {
  const uint64_t occurrence = counter.fetch_add(1) + 1;
  metrics_.count_drop(stage);
  if (log::should_log_occurrence(occurrence)) {
    log::warning("vault audit: record dropped (", what, "), ", occurrence, " so far");
  }
}

void AuditDropReporter::maybe_report(int64_t now_ns) {
  if (counts_.total() == queue_full_seen_ + bad_framing_seen_ + parse_error_seen_) return;
  if (reported_once_ && now_ns - last_report_ns_ < period_ns_) return;
  report(now_ns);
}

void AuditDropReporter::flush(int64_t now_ns) {
  if (counts_.total() != queue_full_seen_ + bad_framing_seen_ + parse_error_seen_) report(now_ns);
}

void AuditDropReporter::report(int64_t now_ns) {
  const uint64_t queue_full = counts_.queue_full_total();
  const uint64_t bad_framing = counts_.bad_framing_total();
  const uint64_t parse_error = counts_.parse_error_total();
  const std::string reason =
      "Vault audit records were not evaluated since the last report: queue_full=" +
      std::to_string(queue_full - queue_full_seen_) +
      " unframeable=" + std::to_string(bad_framing - bad_framing_seen_) +
      " parse_error=" + std::to_string(parse_error - parse_error_seen_) +
      " (totals: " + std::to_string(queue_full) + "/" + std::to_string(bad_framing) + "/" +
      std::to_string(parse_error) + ")";
  queue_full_seen_ = queue_full;
  bad_framing_seen_ = bad_framing;
  parse_error_seen_ = parse_error;
  reported_once_ = true;
  last_report_ns_ = now_ns;
  pipeline_.emit_platform(
      alerts::PlatformAlertSpec{kAuditDropsRule, rules::Priority::kError, "vault_audit", reason},
      now_ns);
}

}  // namespace panguard::agent
