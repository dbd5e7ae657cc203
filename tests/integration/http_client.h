// A minimal blocking HTTP/1.1 client (Connection: close) for talking to the admin API in tests.
#pragma once

#include <cstdint>
#include <string>

namespace panguard::integration {

struct HttpResult {
  int status = 0;  // 0: no response (connection failed or timed out)
  std::string body;
};

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "");

}  // namespace panguard::integration
