#include "agent/config/listen_address.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace panguard::agent {

std::string ListenAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::variant<ListenAddress, std::string> parse_loopback_listen(std::string_view text) {
  const std::string kShape = "expected \"host:port\", e.g. 127.0.0.1:9464";
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return kShape;

  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return kShape;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return "an IPv6 address needs brackets, e.g. [::1]:9464";
  }

  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return "port must be a number from 0 to 65535";
  }

  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return kShape + " (\"" + std::string(host) + "\" is not an IP address)";
  if (!address.is_loopback()) {
    return "must be a loopback address (127.0.0.0/8 or ::1): the admin API has no "
           "authentication";
  }
  return ListenAddress{address.to_string(), static_cast<uint16_t>(port)};
}

}  // namespace panguard::agent
