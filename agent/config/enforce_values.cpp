#include "agent/config/enforce_values.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace panguard::agent {

std::variant<EnforcedVaultAddress, std::string> parse_enforced_address(std::string_view text) {
  const std::string kShape = "expected \"ip:port\", e.g. 10.0.0.5:8200 or [fd00::5]:8200";
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return kShape;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') return kShape;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return "an IPv6 address needs brackets, e.g. [fd00::5]:8200";
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return "port must be a number from 1 to 65535";
  }
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(host), error);
  if (error) return kShape + " (\"" + std::string(host) + "\" is not an IP address)";
  if (address.is_v6() != bracketed) return kShape;
  if (address.is_unspecified()) return "0.0.0.0 and :: are not a destination";

  EnforcedVaultAddress out;
  out.port = static_cast<uint16_t>(port);
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
