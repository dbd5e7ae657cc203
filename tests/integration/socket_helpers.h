// Raw loopback sockets and alert-line filtering shared by the integration tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace panguard::integration {

// A blocking TCP connection to 127.0.0.1:port with 10 s send/receive timeouts; -1 on failure.
int connect_loopback(uint16_t port);

// Everything `fd` receives until the peer closes it (or a receive times out).
std::string read_until_closed(int fd);

// Sends `request` byte for byte and reads until the server closes the connection.
std::string raw_exchange(uint16_t port, const std::string& request);

// The JSON alert lines in a daemon's stdout whose rule is `rule`.
std::vector<nlohmann::json> alerts_for(const std::string& stdout_text, const std::string& rule);

}  // namespace panguard::integration
