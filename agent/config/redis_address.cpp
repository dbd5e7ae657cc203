#include "agent/config/redis_address.h"

#include <charconv>

namespace panguard::agent {

std::variant<RedisAddress, std::string> parse_redis_address(std::string_view text) {
  std::string_view host;
  std::string_view rest;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return "expected [address]:port";
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
  } else {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return "expected host:port";
    host = text.substr(0, colon);
    rest = text.substr(colon);
  }
  if (host.empty()) return "the host must not be empty";
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) return "the host may hold only letters, digits, '.', '-', '_' and ':' (IPv6)";
  }
  if (!text.starts_with('[') && host.find(':') != std::string_view::npos) {
    return "an IPv6 address needs brackets: [::1]:6379";
  }
  if (!rest.starts_with(':') || rest.size() < 2) return "expected :port after the host";
  const std::string_view port_text = rest.substr(1);
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535 || port_text.starts_with('0')) {
    return "the port must be a number from 1 to 65535";
  }
  return RedisAddress{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace panguard::agent
