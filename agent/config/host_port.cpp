#include "agent/config/host_port.h"

#include <charconv>

namespace panguard::agent {

std::variant<HostPort, HostPortError> split_host_port(std::string_view text, unsigned min_port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return HostPortError::kNoPort;
  }
  HostPort out;
  out.host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  out.bracketed = out.host.front() == '[';
  if (out.bracketed) {
    if (out.host.size() < 3 || out.host.back() != ']') return HostPortError::kBadBrackets;
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find(':') != std::string_view::npos) {
    return HostPortError::kNeedsBrackets;
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < min_port ||
      port > 65535) {
    return HostPortError::kBadPort;
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace panguard::agent
