#include "socket_helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sstream>

namespace panguard::integration {

int connect_loopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_until_closed(int fd) {
  std::string received;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    received.append(buf, static_cast<std::size_t>(n));
  }
  return received;
}

std::string raw_exchange(uint16_t port, const std::string& request) {
  std::string response;
  const int fd = connect_loopback(port);
  if (fd < 0) return response;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    response = read_until_closed(fd);
  }
  ::close(fd);
  return response;
}

std::vector<nlohmann::json> alerts_for(const std::string& stdout_text, const std::string& rule) {
  std::vector<nlohmann::json> found;
  std::istringstream lines(stdout_text);
  for (std::string line; std::getline(lines, line);) {
    const auto alert = nlohmann::json::parse(line, nullptr, false);
    if (alert.is_object() && alert.value("rule", "") == rule) found.push_back(alert);
  }
  return found;
}

}  // namespace panguard::integration
