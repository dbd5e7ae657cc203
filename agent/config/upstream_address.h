// Parses vault.upstream: `http://host:port` or `https://host:port`. The scheme is matched
// exactly (lower case, nothing else), so a typo can never silently fall back to plain HTTP.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// "http://vault:8200", "https://vault.internal:8200", "http://[::1]:8200". No path, query or
// user info; the port is required (1..65535). Returns the address or an error message.
std::variant<UpstreamAddress, std::string> parse_upstream_address(std::string_view text);

}  // namespace panguard::agent
