#include "agent/config/enforce_values.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "agent/config/host_port.h"

namespace panguard::agent {

std::variant<EnforcedVaultAddress, std::string> parse_enforced_address(std::string_view text) {
  const std::string kShape = "expected \"ip:port\", e.g. 10.0.0.5:8200 or [fd00::5]:8200";
  const auto split = split_host_port(text, 1);
  if (const auto* bad = std::get_if<HostPortError>(&split)) {
    if (*bad == HostPortError::kNeedsBrackets) {
      return "an IPv6 address needs brackets, e.g. [fd00::5]:8200";
    }
    if (*bad == HostPortError::kBadPort) return "port must be a number from 1 to 65535";
    return kShape;
  }
  const auto [host, port, bracketed] = std::get<HostPort>(split);
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return kShape + " (\"" + std::string(host) + "\" is not an IP address)";
  if (address.is_v6() != bracketed) return kShape;
  if (address.is_unspecified()) return "0.0.0.0 and :: are not a destination";

  EnforcedVaultAddress out;
  out.port = port;
  out.text = std::string(text);
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    out.address[10] = 0xff;
    out.address[11] = 0xff;
    std::copy(v4.begin(), v4.end(), out.address.begin() + 12);
  } else {
    const auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), out.address.begin());
  }
  return out;
}

std::variant<std::string, std::string> normalize_cgroup_path(std::string_view text) {
  std::string out;
  std::size_t start = text.starts_with('/') ? 1 : 0;
  while (start < text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    const std::string_view part = text.substr(start, slash - start);
    if (part.empty())
      return std::variant<std::string, std::string>(std::in_place_index<1>, "empty path component");
    if (part == "." || part == "..") {
      return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                    "\".\" and \"..\" are not allowed");
    }
    if (!out.empty()) out += '/';
    out += part;
    start = slash + 1;
    if (slash + 1 == text.size()) {
      return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                    "trailing \"/\" not allowed");
    }
  }
  return std::variant<std::string, std::string>(std::in_place_index<0>, out);
}

}  // namespace panguard::agent
