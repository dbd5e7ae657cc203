#include "agent/vault_audit/vault_audit_service.h"

namespace panguard::agent {
namespace {

AuditListenerOptions listener_options(const VaultAuditSettings& settings) {
  AuditListenerOptions options;
  options.max_record_bytes = settings.max_record_bytes;
  return options;
}

}  // namespace

VaultAuditService::VaultAuditService(boost::asio::io_context& io,
                                     const VaultAuditSettings& settings,
                                     vault::AuditMapping mapping, Pipeline& pipeline,
                                     Metrics& metrics, const TimeSource& clock)
    : queue_(settings.queue_records, settings.queue_bytes),
      drops_(metrics),
      listener_(io, queue_, drops_, listener_options(settings)),
      consumer_(queue_, std::move(mapping), pipeline, drops_, clock, AuditConsumerOptions{}) {}

std::string VaultAuditService::start(const AuditListenAddress& listen) {
  std::string error = listener_.start(listen);
  if (error.empty()) consumer_.start();
  return error;
}

}  // namespace panguard::agent
