// Parses vault_audit.listen. The audit stream is unauthenticated, so it is accepted only on a
// Unix socket (file permissions decide who may write) or on a loopback TCP address.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// Accepts "unix:/absolute/path" and "tcp:127.0.0.1:PORT" (port 0 asks the kernel for a free
// port). Returns the address or an error message.
std::variant<AuditListenAddress, std::string> parse_audit_listen(std::string_view text);

}  // namespace panguard::agent
