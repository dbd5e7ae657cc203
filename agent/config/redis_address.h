// Parses an entry of store.redis.addresses: "host:port" or "[v6 literal]:port".
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// No scheme, path or user info; the port is required (1..65535). Returns the address or an
// error message.
std::variant<RedisAddress, std::string> parse_redis_address(std::string_view text);

}  // namespace panguard::agent
