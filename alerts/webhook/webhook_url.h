// The receiver's URL, parsed strictly once at construction. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace panguard::alerts::webhook {

struct WebhookUrl {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 0;
  std::string target;       // path and query, at least "/"
  std::string host_header;  // "host" or "host:port" (brackets kept for IPv6)
};

// "http://host[:port][/path[?query]]" or "https://...". No userinfo, no fragment, no whitespace
// or control characters; the scheme is lower-case. Returns nullopt and sets `error` otherwise.
std::optional<WebhookUrl> parse_webhook_url(std::string_view url, std::string& error);

}  // namespace panguard::alerts::webhook
