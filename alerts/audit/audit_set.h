// Verifies audit files on disk: a stream directory (the whole chain from seq 1) or one file (a
// piece of a chain, trusted to start where its first record says).
#pragma once

#include <string>
#include <variant>

#include "alerts/audit/audit_verifier.h"
#include "alerts/keys/node_key.h"

namespace panguard::alerts {

struct AuditReadError {
  std::string message;
};

std::variant<ChainReport, AuditReadError> verify_audit_path(const std::string& path,
                                                            const NodeKey* public_key);

}  // namespace panguard::alerts
