// The evaluating side of the Vault audit watcher: one dedicated thread pops records from the
// bounded queue, maps them to events and runs them through the pipeline, so slow rules or a slow
// sink never reach back to the socket reader. It also raises the rate-limited drop report.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "agent/pipeline/pipeline.h"
#include "agent/sources/vault/audit_record.h"
#include "agent/sources/vault/audit_stream.h"
#include "agent/time_source.h"
#include "agent/vault_audit/audit_drops.h"

namespace panguard::agent {

struct AuditConsumerOptions {
  std::chrono::milliseconds poll_interval{200};  // how often an idle consumer checks for drops
  std::chrono::seconds drop_report_period{10};   // at most one drop alert per period
};

class AuditConsumer {
 public:
  AuditConsumer(vault::BoundedRecordQueue& queue, vault::AuditMapping mapping, Pipeline& pipeline,
                AuditDropCounts& drops, const TimeSource& clock, AuditConsumerOptions options);
  ~AuditConsumer();  // closes the queue and joins
  AuditConsumer(const AuditConsumer&) = delete;
  AuditConsumer& operator=(const AuditConsumer&) = delete;

  void start();
  // Closes the queue, evaluates what is still queued, reports pending drops and joins.
  void drain_and_join();

  uint64_t evaluated() const { return evaluated_.load(); }

 private:
  void run();
  void handle(const std::string& record);

  vault::BoundedRecordQueue& queue_;
  const vault::AuditMapping mapping_;
  Pipeline& pipeline_;
  AuditDropCounts& drops_;
  const TimeSource& clock_;
  const AuditConsumerOptions options_;
  AuditDropReporter reporter_;
  std::atomic<bool> closing_{false};
  std::atomic<uint64_t> evaluated_{0};
  std::thread thread_;
};

}  // namespace panguard::agent
