#include "http_client.h"

#include "socket_helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace panguard::integration {

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  const std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
      "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) before reading everything
    sent += static_cast<std::size_t>(n);
  }
  const std::string response = read_until_closed(fd);
  ::close(fd);

  HttpResult result;
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return result;
  result.status = std::stoi(response.substr(9, 3));
  const std::size_t header_end = response.find("\r\n\r\n");
  if (header_end != std::string::npos) result.body = response.substr(header_end + 4);
  return result;
}

}  // namespace panguard::integration
