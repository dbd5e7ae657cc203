#include "vault_stand_in.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace panguard::integration {
namespace {

// Content-Length of a header block (0 when absent); the stand-in needs nothing fancier.
std::size_t content_length(const std::string& head) {
  std::string lower;
  for (const char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::stoul(head.substr(at + 17));
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

VaultStandIn::VaultStandIn() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("vault stand-in: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

VaultStandIn::~VaultStandIn() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (const int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : threads_) thread.join();
  for (const int fd : connection_fds_) ::close(fd);
}

std::vector<StandInRequest> VaultStandIn::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t VaultStandIn::connections() const {
  std::lock_guard lock(mutex_);
  return connection_fds_.size();
}

void VaultStandIn::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // shut down (stopping_) or a transient error
    std::lock_guard lock(mutex_);
    connection_fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void VaultStandIn::serve(int fd) {
  std::string buffer;
  char chunk[8192];
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;  // the destructor closes the fd once this thread is joined
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    StandInRequest request{buffer.substr(0, head_end + 2), {}};
    const std::size_t body_size = content_length(request.head);
    while (buffer.size() < head_end + 4 + body_size) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    request.body = buffer.substr(head_end + 4, body_size);
    buffer.erase(0, head_end + 4 + body_size);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(answer_delay_ms_.load()));
    const std::string body = R"({"data":{"data":{"password":"stand-in-secret"}}})";
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    if (!send_all(fd, response)) return;
  }
}

}  // namespace panguard::integration
