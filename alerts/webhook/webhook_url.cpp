#include "alerts/webhook/webhook_url.h"

#include <algorithm>

namespace panguard::alerts::webhook {

std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string& error) {
  WebhookUrl out;
  if (std::any_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F;
      })) {
    error = "url contains whitespace, control or non-ASCII characters";
    return std::nullopt;
  }
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    out.tls = true;
    rest = url.substr(8);
  } else {
    error = "url must start with http:// or https://";
    return std::nullopt;
  }
  if (rest.find('#') != std::string_view::npos) {
    error = "url must not have a fragment";
    return std::nullopt;
  }
  const std::size_t slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  // A bare query ("https://h?x") targets the root; built by appending (GCC 12's -O3 -Wrestrict
  // misreads insert(0, "/") as an overlapping copy).
  if (slash == std::string_view::npos) {
    out.target = "/";
  } else {
    const std::string_view path = rest.substr(slash);
    out.target = path.front() == '?' ? "/" : "";
    out.target.append(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    error = "url must not carry user information";
    return std::nullopt;
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "url has an unterminated IPv6 literal";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "url has junk after the IPv6 literal";
        return std::nullopt;
      }
      port = after.substr(1);
      if (port.empty()) {
        error = "url has an empty port";
        return std::nullopt;
      }
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
      error = "url has an empty port";
      return std::nullopt;
    }
  }
  if (host.empty()) {
    error = "url has no host";
    return std::nullopt;
  }
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.tls ? 443 : 80;
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      error = "url port is not a number";
      return std::nullopt;
    }
    unsigned value = 0;
    for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value == 0 || value > 65535) {
      error = "url port is out of range";
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(value);
  }
  out.host_header = std::string(authority);
  return out;
}

}  // namespace panguard::alerts::webhook
