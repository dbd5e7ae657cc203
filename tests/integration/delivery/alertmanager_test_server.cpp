#include "alertmanager_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "delivery_test_support.h"
#include "nats_test_server.h"  // free_tcp_port

namespace panguard::integration {

using namespace std::chrono_literals;

std::pair<int, std::string> http10_get(uint16_t port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {0, ""};
  }
  const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (response.size() < 12 || response.rfind("HTTP/1.", 0) != 0) return {0, ""};
  const std::size_t header_end = response.find("\r\n\r\n");
  return {std::stoi(response.substr(9, 3)),
          header_end == std::string::npos ? "" : response.substr(header_end + 4)};
}

AlertmanagerServer::AlertmanagerServer(const std::string& dir) : dir_(dir), port_(free_tcp_port()) {
  std::ofstream(dir_ + "/alertmanager.yml") << "route:\n  receiver: blackhole\n"
                                               "receivers:\n  - name: blackhole\n";
}

void AlertmanagerServer::start() {
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      kAlertmanagerBin, "--config.file=" + dir_ + "/alertmanager.yml",
      "--storage.path=" + dir_ + "/data", "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      "--cluster.listen-address="});
  if (!eventually([&] { return http10_get(port_, "/-/ready").first == 200; }, 20s)) {
    throw std::runtime_error("alertmanager did not become ready: " + process_->stderr_text());
  }
}

std::map<std::string, nlohmann::json> AlertmanagerServer::alerts() const {
  std::map<std::string, nlohmann::json> by_id;
  const auto [status, body] = http10_get(port_, "/api/v2/alerts");
  if (status != 200) return by_id;
  for (const auto& alert : nlohmann::json::parse(body)) {
    by_id[alert["annotations"].value("alert_id", "")] = alert;
  }
  return by_id;
}

}  // namespace panguard::integration
