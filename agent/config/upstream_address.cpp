#include "agent/config/upstream_address.h"

#include <cctype>

#include "agent/config/host_port.h"

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
  const auto split = split_host_port(rest, 1);
  if (const auto* bad = std::get_if<HostPortError>(&split)) {
    switch (*bad) {
      case HostPortError::kNoPort:
        return kShape + " (the port is required)";
      case HostPortError::kBadBrackets:
        return kShape;
      case HostPortError::kNeedsBrackets:
        return "an IPv6 address needs brackets, e.g. https://[::1]:8200";
      case HostPortError::kBadPort:
        return "port must be a number from 1 to 65535";
    }
  }
  const auto [host, port, bracketed] = std::get<HostPort>(split);
  // The host becomes the TLS name the certificate is checked against: a DNS name or an IP
  // literal only, so nothing odd can reach SNI or hostname verification.
  for (const char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':') {
      return kShape + " (the host must be a DNS name or an IP address)";
    }
  }
  return UpstreamAddress{std::string(host), port, tls};
}

}  // namespace panguard::agent
