// Parses vault.upstream. Only plain `http://host:port` in this version: an https upstream needs
// a CA file, SNI and verification, which are not built yet, so it is refused rather than half-done.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// "http://vault:8200", "http://127.0.0.1:8200", "http://[::1]:8200". No path, query or user info;
// the port is required (1..65535). Returns the address or an error message.
std::variant<UpstreamAddress, std::string> parse_upstream_address(std::string_view text);

}  // namespace panguard::agent
