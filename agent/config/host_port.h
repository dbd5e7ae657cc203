// "host:port" and "[v6]:port", split and checked the one way every address key shares; each
// caller words the errors for its own key (examples differ: admin, Vault upstream, enforce).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace panguard::agent {

struct HostPort {
  std::string_view host;  // without brackets; a view into the parsed text
  uint16_t port = 0;
  bool bracketed = false;  // written as "[...]"
};

enum class HostPortError {
  kNoPort,         // no ':' or nothing before / after the last one
  kBadBrackets,    // "[" without a closing "]" or with nothing inside
  kNeedsBrackets,  // an unbracketed host with ':' in it (an IPv6 literal)
  kBadPort,        // not a number from min_port to 65535
};

// Splits at the last ':'. `min_port` is 0 where the kernel may pick a port, else 1.
std::variant<HostPort, HostPortError> split_host_port(std::string_view text, unsigned min_port);

}  // namespace panguard::agent
