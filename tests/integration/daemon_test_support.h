// The running daemon as the integration tests drive it: the admin port it announced on stderr,
// and event lines for the admin ingest endpoint (POST /v1/events).
#pragma once

#include <cstdint>
#include <string>

namespace panguard::integration {

// The port of "admin listening on 127.0.0.1:<port>" in a daemon's stderr; 0 when absent.
uint16_t announced_admin_port(const std::string& stderr_text);

// One ingest line: `tenant` (verified by JWT) does `operation` on `owner`'s Vault path.
std::string vault_event(const std::string& tenant, const std::string& owner,
                        const std::string& operation = "read");

}  // namespace panguard::integration
