// Parses "host:port" for admin.listen and refuses anything that is not loopback: the admin API
// has no authentication, so it must never be reachable from the network.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// Accepts "127.0.0.1:9464", "[::1]:9464" and "localhost:9464" (as 127.0.0.1). Port 0 asks the
// kernel for a free port. Returns the address or an error message.
std::variant<ListenAddress, std::string> parse_loopback_listen(std::string_view text);

}  // namespace panguard::agent
