#include "agent/vault_audit/audit_consumer.h"

#include <variant>

#include "agent/log/log.h"

namespace panguard::agent {

AuditConsumer::AuditConsumer(vault::BoundedRecordQueue& queue, vault::AuditMapping mapping,
                             Pipeline& pipeline, AuditDropCounts& drops, const TimeSource& clock,
                             AuditConsumerOptions options)
    : queue_(queue),
      mapping_(std::move(mapping)),
      pipeline_(pipeline),
      drops_(drops),
      clock_(clock),
      options_(options),
      reporter_(drops, pipeline,
                std::chrono::duration_cast<std::chrono::nanoseconds>(options.drop_report_period)
                    .count()) {}

AuditConsumer::~AuditConsumer() { drain_and_join(); }

void AuditConsumer::start() {
  thread_ = std::thread([this] { run(); });
}

void AuditConsumer::drain_and_join() {
  closing_ = true;
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

void AuditConsumer::run() {
  for (;;) {
    std::optional<std::string> record = queue_.pop(options_.poll_interval);
    if (record) {
      handle(*record);
    } else if (closing_) {
      break;  // closed and drained: pop() only returns nullopt then or on timeout
    }
    reporter_.maybe_report(clock_.now_ns());
  }
  reporter_.flush(clock_.now_ns());
  log::info("vault audit: consumer stopped after ", evaluated_.load(), " records evaluated");
}

void AuditConsumer::handle(const std::string& record) {
  vault::AuditResult result = vault::parse_audit_record(record, mapping_);
  if (auto* event = std::get_if<rules::Event>(&result)) {
    pipeline_.process_and_wait(std::move(*event), clock_.now_ns());
    ++evaluated_;
  } else if (auto* error = std::get_if<vault::AuditError>(&result)) {
    drops_.parse_error();
    log::debug("vault audit: record rejected: ", error->message);
  }
  // AuditSkipped: the other half of a request/response pair, by design not evaluated.
}

}  // namespace panguard::agent
