// A blocking TLS client for the integration tests: verifies the server against a CA file and a
// host name, sends raw request bytes, reads until the server closes.
#pragma once

#include <cstdint>
#include <string>

namespace panguard::integration {

struct TlsExchange {
  bool handshake_ok = false;
  std::string response;  // everything read after the handshake
};

TlsExchange tls_exchange(uint16_t port, const std::string& ca_file, const std::string& host,
                         const std::string& request);

}  // namespace panguard::integration
