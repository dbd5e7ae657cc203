// A sink bound to one tenant at construction. The router already selects tenant routes by the
// alert's own tenant_id; this wrapper checks again right before the inner sink, so a routing bug
// refuses and counts the alert instead of handing one tenant's alert to another's sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "alerts/sink.h"

namespace panguard::alerts {

class BoundTenantSink : public Sink {
 public:
  BoundTenantSink(std::string tenant, std::shared_ptr<Sink> inner)
      : tenant_(std::move(tenant)), inner_(std::move(inner)) {}

  bool write(const Alert& alert) override;

  const std::string& tenant() const { return tenant_; }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const std::string tenant_;
  const std::shared_ptr<Sink> inner_;
  std::atomic<uint64_t> refused_{0};
};

}  // namespace panguard::alerts
