// The Vault proxy's way to the upstream: keep-alive connections (plain or TLS), reused from a
// bounded idle list, with a deadline on connect, TLS handshake, write and read. The upstream
// address is resolved once at start, so no request ever waits on DNS.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "agent/config/config.h"
#include "agent/net/tls_context.h"
#include "agent/vault_proxy/proxy_http.h"

namespace panguard::agent {

struct UpstreamOptions {
  // At least the usual client concurrency, so bursts do not close and reopen upstream
  // connections (measured: 16 idle under 32 clients reconnected ~17 times a second).
  std::size_t max_idle_connections = 64;
  std::size_t max_response_body_bytes = 16 * 1024 * 1024;  // buffered whole in this version
  std::size_t max_response_header_bytes = 64 * 1024;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds handshake_timeout{5'000};  // https upstreams only
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};  // until the whole response is in
  // Client context for an https upstream (make_upstream_tls_context); null for http.
  TlsContext tls;
};

struct UpstreamError {
  std::string message;  // for the log; never holds request or response bytes
  // The upstream's TLS certificate failed verification: possibly someone in the path, so the
  // proxy raises a platform alert, not only a log line.
  bool certificate_refused = false;
};

class UpstreamPool {
 public:
  UpstreamPool(boost::asio::any_io_executor executor, UpstreamOptions options);

  // Resolves `address` (blocking, once). An https address needs options.tls, an http one must
  // not have it. Returns an error message, or "" on success.
  std::string resolve(const UpstreamAddress& address);

  // Sends `request` and reads the whole response. A reused connection that turns out to be
  // closed by the upstream before answering is retried once on a fresh one.
  boost::asio::awaitable<std::variant<ProxyResponse, UpstreamError>> send(
      const ProxyRequest& request);

  void close_idle();
  std::size_t idle_connections() const { return idle_.size(); }

 private:
  using PlainStream = boost::beast::tcp_stream;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using Connection = std::variant<std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>>;
  struct Attempt {
    std::variant<ProxyResponse, UpstreamError> result;
    bool retryable = false;  // failed on a reused connection before any response byte
    bool reusable = false;   // the connection may serve the next request
  };

  // A fresh connection: TCP connect, then for https the verified handshake.
  boost::asio::awaitable<std::variant<Connection, UpstreamError>> open();
  template <typename Stream>
  boost::asio::awaitable<Attempt> exchange(Stream& stream, const ProxyRequest& request,
                                           bool reused);
  static void close(Connection& connection);

  boost::asio::any_io_executor executor_;
  const UpstreamOptions options_;
  std::string host_;  // the name (or address) the upstream's certificate must carry
  std::string address_text_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::vector<Connection> idle_;  // touched only on the io thread
};

}  // namespace panguard::agent
