// The Vault proxy's way to the upstream: keep-alive connections, reused from a bounded idle list,
// with a deadline on connect, write and read. The upstream address is resolved once at start, so
// no request ever waits on DNS.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "agent/config/config.h"
#include "agent/vault_proxy/proxy_http.h"

namespace panguard::agent {

struct UpstreamOptions {
  // At least the usual client concurrency, so bursts do not close and reopen upstream
  // connections (measured: 16 idle under 32 clients reconnected ~17 times a second).
  std::size_t max_idle_connections = 64;
  std::size_t max_response_body_bytes = 16 * 1024 * 1024;  // buffered whole in this version
  std::size_t max_response_header_bytes = 64 * 1024;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};  // until the whole response is in
};

struct UpstreamError {
  std::string message;  // for the log; never holds request or response bytes
};

class UpstreamPool {
 public:
  UpstreamPool(boost::asio::any_io_executor executor, UpstreamOptions options);

  // Resolves `address` (blocking, once). Returns an error message, or "" on success.
  std::string resolve(const UpstreamAddress& address);

  // Sends `request` and reads the whole response. A reused connection that turns out to be
  // closed by the upstream before answering is retried once on a fresh one.
  boost::asio::awaitable<std::variant<ProxyResponse, UpstreamError>> send(
      const ProxyRequest& request);

  void close_idle();
  std::size_t idle_connections() const { return idle_.size(); }

 private:
  using Stream = boost::beast::tcp_stream;
  struct Attempt {
    std::variant<ProxyResponse, UpstreamError> result;
    bool retryable = false;  // failed on a reused connection before any response byte
  };

  boost::asio::awaitable<Attempt> attempt(const ProxyRequest& request,
                                          std::unique_ptr<Stream> stream, bool reused);

  boost::asio::any_io_executor executor_;
  const UpstreamOptions options_;
  std::string address_text_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::vector<std::unique_ptr<Stream>> idle_;  // touched only on the io thread
};

}  // namespace panguard::agent
