#include "agent/config/audit_listen_address.h"

#include <sys/un.h>

#include "agent/config/listen_address.h"

namespace panguard::agent {

std::string AuditListenAddress::to_string() const {
  return tcp ? "tcp:" + tcp->to_string() : "unix:" + unix_path;
}

std::variant<AuditListenAddress, std::string> parse_audit_listen(std::string_view text) {
  constexpr std::string_view kUnix = "unix:";
  constexpr std::string_view kTcp = "tcp:";
  if (text.starts_with(kUnix)) {
    const std::string_view path = text.substr(kUnix.size());
    if (!path.starts_with('/'))
      return "a Unix socket needs an absolute path, e.g. unix:/run/x.sock";
    // sun_path holds the path and its terminating NUL.
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
      return "the Unix socket path is longer than " +
             std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
    }
    if (path.find('\0') != std::string_view::npos) return "the Unix socket path contains NUL";
    return AuditListenAddress{std::string(path), std::nullopt};
  }
  if (text.starts_with(kTcp)) {
    auto parsed = parse_loopback_listen(text.substr(kTcp.size()));
    if (auto* error = std::get_if<std::string>(&parsed)) {
      if (error->starts_with("must be a loopback")) {
        return "must be a loopback address (127.0.0.0/8 or ::1): the audit stream is "
               "unauthenticated";
      }
      return *error;
    }
    return AuditListenAddress{"", std::get<ListenAddress>(parsed)};
  }
  return "expected unix:/path/to/socket or tcp:127.0.0.1:PORT";
}

}  // namespace panguard::agent
