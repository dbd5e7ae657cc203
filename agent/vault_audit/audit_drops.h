// Counts of Vault audit records that were never evaluated, and the rate-limited platform alert
// that reports them. A record that is not evaluated cannot raise a rule alert, so every drop is
// counted (metric), logged (rate-limited) and reported (platform alert, at most one per period).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"

namespace panguard::agent {

inline constexpr const char* kAuditDropsRule = "Vault audit records dropped";

// Written by the socket reader and the consumer thread; read by the reporter.
class AuditDropCounts {
 public:
  explicit AuditDropCounts(Metrics& metrics) : metrics_(metrics) {}

  void queue_full() { count(queue_full_, DropStage::kAuditQueue, "queue full"); }
  void bad_framing() { count(bad_framing_, DropStage::kAuditRecord, "unframeable record"); }
  void parse_error() { count(parse_error_, DropStage::kAuditParse, "record rejected by parser"); }

  // Not a record drop (Vault retries the connection), so not part of the drop report.
  void connection_refused() { metrics_.count_drop(DropStage::kAuditConnection); }

  uint64_t queue_full_total() const { return queue_full_.load(); }
  uint64_t bad_framing_total() const { return bad_framing_.load(); }
  uint64_t parse_error_total() const { return parse_error_.load(); }
  uint64_t total() const { return queue_full_total() + bad_framing_total() + parse_error_total(); }

 private:
  void count(std::atomic<uint64_t>& counter, DropStage stage, const char* what);

  Metrics& metrics_;
  std::atomic<uint64_t> queue_full_{0};
  std::atomic<uint64_t> bad_framing_{0};
  std::atomic<uint64_t> parse_error_{0};
};

// Raises kAuditDropsRule when drops happened since the last report and at least `period` has
// passed since it. Counts only, never record content. One caller thread (the consumer).
class AuditDropReporter {
 public:
  AuditDropReporter(const AuditDropCounts& counts, Pipeline& pipeline, int64_t period_ns)
      : counts_(counts), pipeline_(pipeline), period_ns_(period_ns) {}

  void maybe_report(int64_t now_ns);
  // At shutdown: reports drops not yet reported, whatever the period says.
  void flush(int64_t now_ns);

 private:
  void report(int64_t now_ns);

  const AuditDropCounts& counts_;
  Pipeline& pipeline_;
  const int64_t period_ns_;
  bool reported_once_ = false;
  int64_t last_report_ns_ = 0;
  uint64_t queue_full_seen_ = 0;
  uint64_t bad_framing_seen_ = 0;
  uint64_t parse_error_seen_ = 0;
};

}  // namespace panguard::agent
