// Default bounds on what a client may send the Vault proxy. One place, so the HTTP-layer fuzz
// target parses with exactly the server's limits.
#pragma once

#include <cstddef>

namespace panguard::agent {

inline constexpr std::size_t kDefaultMaxRequestHeaderBytes = 16 * 1024;
inline constexpr std::size_t kDefaultMaxRequestBodyBytes = 1024 * 1024;

}  // namespace panguard::agent
