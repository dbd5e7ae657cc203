// The Vault audit watcher as one component: socket listener -> bounded queue -> consumer thread
// -> pipeline. Owns the parts and stops them in the order that loses nothing already queued.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "agent/config/config.h"
#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"
#include "agent/sources/vault/audit_record.h"
#include "agent/sources/vault/audit_stream.h"
#include "agent/time_source.h"
#include "agent/vault_audit/audit_consumer.h"
#include "agent/vault_audit/audit_drops.h"
#include "agent/vault_audit/audit_listener.h"

namespace panguard::agent {

class VaultAuditService {
 public:
  VaultAuditService(boost::asio::io_context& io, const VaultAuditSettings& settings,
                    vault::AuditMapping mapping, Pipeline& pipeline, Metrics& metrics,
                    const TimeSource& clock);

  // Binds the listener and starts the consumer. Returns an error message, or "".
  std::string start(const AuditListenAddress& listen);
  std::string bound_address() const { return listener_.bound_address(); }

  // On the io thread at shutdown: stop accepting and close Vault's connections.
  void stop_listening() { listener_.stop(); }
  // After the io loop: evaluate what is still queued, then join the consumer.
  void drain() { consumer_.drain_and_join(); }

 private:
  vault::BoundedRecordQueue queue_;
  AuditDropCounts drops_;
  AuditListener listener_;
  AuditConsumer consumer_;
};

}  // namespace panguard::agent
