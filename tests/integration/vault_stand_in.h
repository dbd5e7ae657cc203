// A stand-in for Vault in the proxy's integration tests: NOT Vault. A tiny HTTP/1.1 server on
// 127.0.0.1:0 that records every request it receives (raw header text and body) and answers each
// with 200 {"data":{...}}. Keep-alive works, so the proxy's connection pool is exercised. With
// StandInTls it speaks HTTPS, and a request is recorded only after a completed handshake.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using SSL_CTX = struct ssl_ctx_st;  // OpenSSL's, kept out of the tests that do not use TLS

namespace panguard::integration {

struct StandInTls {
  std::string cert_file;  // PEM
  std::string key_file;   // PEM
};

struct StandInRequest {
  std::string head;  // request line and headers, exactly as received
  std::string body;
};

class VaultStandIn {
 public:
  // Binds `ipv4_address`:`port` (port 0: a free one) and starts serving (HTTPS with `tls`);
  // throws std::runtime_error when it cannot.
  explicit VaultStandIn(const std::optional<StandInTls>& tls = std::nullopt,
                        const std::string& ipv4_address = "127.0.0.1", uint16_t port = 0);
  ~VaultStandIn();
  VaultStandIn(const VaultStandIn&) = delete;
  VaultStandIn& operator=(const VaultStandIn&) = delete;

  uint16_t port() const { return port_; }
  std::vector<StandInRequest> requests() const;
  std::size_t connections() const;  // accepted so far: shows keep-alive reuse
  // TLS only: the SNI name of each completed handshake ("" when none was sent).
  std::vector<std::string> server_names() const;
  std::size_t failed_handshakes() const;
  // Waits this long before each answer, so a test can act while a request is in flight.
  void set_answer_delay(std::chrono::milliseconds delay) { answer_delay_ms_ = delay.count(); }

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> answer_delay_ms_{0};
  SSL_CTX* tls_ = nullptr;
  std::vector<std::string> server_names_;
  std::size_t failed_handshakes_ = 0;
  mutable std::mutex mutex_;
  std::vector<StandInRequest> requests_;
  std::vector<int> connection_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace panguard::integration
