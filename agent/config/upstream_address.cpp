#include "agent/config/upstream_address.h"

#include <cctype>
#include <charconv>

namespace panguard::agent {

std::string UpstreamAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::variant<UpstreamAddress, std::string> parse_upstream_address(std::string_view text) {
  const std::string kShape =
      "expected \"http://host:port\" or \"https://host:port\", e.g. https://vault:8200";
  bool tls = false;
  std::string_view rest;
  if (text.starts_with("https://")) {
    tls = true;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return kShape;
  }
  if (rest.ends_with("/")) rest.remove_suffix(1);  // "http://vault:8200/" is a common spelling
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return kShape + " (no path, query or user info)";
  }
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    return kShape + " (the port is required)";
  }
  std::string_view host = rest.substr(0, colon);
  const std::string_view port_text = rest.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return kShape;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return "an IPv6 address needs brackets, e.g. https://[::1]:8200";
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return "port must be a number from 1 to 65535";
  }
  // The host becomes the TLS name the certificate is checked against: a DNS name or an IP
  // literal only, so nothing odd can reach SNI or hostname verification.
  for (const char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':') {
      return kShape + " (the host must be a DNS name or an IP address)";
    }
  }
  return UpstreamAddress{std::string(host), static_cast<uint16_t>(port), tls};
}

}  // namespace panguard::agent
