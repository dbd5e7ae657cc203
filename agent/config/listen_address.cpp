#include "agent/config/listen_address.h"

#include <boost/asio/ip/address.hpp>

#include "agent/config/host_port.h"

namespace panguard::agent {

std::string ListenAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::variant<ListenAddress, std::string> parse_loopback_listen(std::string_view text) {
  const std::string kShape = "expected \"host:port\", e.g. 127.0.0.1:9464";
  const auto split = split_host_port(text, 0);
  if (const auto* bad = std::get_if<HostPortError>(&split)) {
    if (*bad == HostPortError::kNeedsBrackets)
      return "an IPv6 address needs brackets, e.g. [::1]:9464";
    if (*bad == HostPortError::kBadPort) return "port must be a number from 0 to 65535";
    return kShape;
  }
  std::string_view host = std::get<HostPort>(split).host;
  const uint16_t port = std::get<HostPort>(split).port;

  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return kShape + " (\"" + std::string(host) + "\" is not an IP address)";
  if (!address.is_loopback()) {
    return "must be a loopback address (127.0.0.0/8 or ::1): the admin API has no "
           "authentication";
  }
  return ListenAddress{address.to_string(), port};
}

}  // namespace panguard::agent
