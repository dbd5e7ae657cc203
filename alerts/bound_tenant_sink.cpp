#include "alerts/bound_tenant_sink.h"

namespace panguard::alerts {

bool BoundTenantSink::write(const Alert& alert) {
  if (!alert.tenant_id || *alert.tenant_id != tenant_) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return inner_->write(alert);
}

}  // namespace panguard::alerts
