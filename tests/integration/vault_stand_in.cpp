#include "vault_stand_in.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <memory>
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

// Plain or TLS reads and writes, so serve() has one loop for both.
struct Channel {
  int fd = -1;
  SSL* ssl = nullptr;
  ssize_t receive(char* buffer, std::size_t size) const {
    if (ssl) return SSL_read(ssl, buffer, static_cast<int>(size));
    return ::recv(fd, buffer, size, 0);
  }
  bool send_all(const std::string& data) const {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n =
          ssl ? SSL_write(ssl, data.data() + sent, static_cast<int>(data.size() - sent))
              : ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
};

}  // namespace

VaultStandIn::VaultStandIn(const std::optional<StandInTls>& tls, const std::string& ipv4_address,
                           uint16_t port) {
  if (tls) {
    tls_ = SSL_CTX_new(TLS_server_method());
    if (!tls_ || SSL_CTX_use_certificate_chain_file(tls_, tls->cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_, tls->key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(tls_);
      throw std::runtime_error("vault stand-in: cannot load the TLS certificate or key");
    }
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  socklen_t size = sizeof address;
  if (::inet_pton(AF_INET, ipv4_address.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("vault stand-in: not an IPv4 address: " + ipv4_address);
  }
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
  SSL_CTX_free(tls_);
}

std::vector<StandInRequest> VaultStandIn::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t VaultStandIn::connections() const {
  std::lock_guard lock(mutex_);
  return connection_fds_.size();
}

std::vector<std::string> VaultStandIn::server_names() const {
  std::lock_guard lock(mutex_);
  return server_names_;
}

std::size_t VaultStandIn::failed_handshakes() const {
  std::lock_guard lock(mutex_);
  return failed_handshakes_;
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
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(nullptr, &SSL_free);
  if (tls_) {
    ssl.reset(SSL_new(tls_));
    SSL_set_fd(ssl.get(), fd);
    const bool accepted = SSL_accept(ssl.get()) == 1;
    std::lock_guard lock(mutex_);
    if (!accepted) {
      ++failed_handshakes_;
      return;
    }
    const char* name = SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
    server_names_.push_back(name ? name : "");
  }
  const Channel channel{fd, ssl.get()};
  std::string buffer;
  char chunk[8192];
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = channel.receive(chunk, sizeof chunk);
      if (n <= 0) return;  // the destructor closes the fd once this thread is joined
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    StandInRequest request{buffer.substr(0, head_end + 2), {}};
    const std::size_t body_size = content_length(request.head);
    while (buffer.size() < head_end + 4 + body_size) {
      const ssize_t n = channel.receive(chunk, sizeof chunk);
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
    if (!channel.send_all(response)) return;
  }
}

}  // namespace panguard::integration
