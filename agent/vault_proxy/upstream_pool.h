// The Vault proxy's way to the upstream: keep-alive connections (plain or TLS), reused from a
// bounded idle list, with a deadline on connect, TLS handshake, write and each read. The upstream
// name is resolved at start, and again only when none of its addresses accepts a connection
// (Vault moved: a headless Service, a failover), so only a request that would fail anyway waits
// on DNS. The pool sends a request and reads the response header; the body is streamed to the
// client by response_relay.h.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/config/config.h"
#include "agent/net/tls_context.h"
#include "agent/vault_proxy/proxy_executor.h"
#include "agent/vault_proxy/proxy_http.h"
#include "agent/vault_proxy/relay_response_parser.h"
#include "agent/vault_proxy/socket_deadline.h"

namespace panguard::agent {

struct UpstreamOptions {
  // At least the usual client concurrency, so bursts do not close and reopen upstream
  // connections (measured: 16 idle under 32 clients reconnected ~17 times a second).
  std::size_t max_idle_connections = 64;
  std::size_t max_response_header_bytes = 64 * 1024;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds handshake_timeout{5'000};  // https upstreams only
  std::chrono::milliseconds write_timeout{10'000};
  // Each read: the response header, then every piece of a streamed body. A body that stops
  // arriving for this long aborts the response.
  std::chrono::milliseconds read_timeout{30'000};
  // Client context for an https upstream (make_upstream_tls_context); null for http.
  TlsContext tls;
};

struct UpstreamError {
  std::string message;  // for the log; never holds request or response bytes
  // The upstream's TLS certificate failed verification: possibly someone in the path, so the
  // proxy raises a platform alert, not only a log line.
  bool certificate_refused = false;
};

// One upstream connection with its read buffer, which keeps its capacity across the requests
// the connection serves, and the deadline of whatever it is doing (none while idle in the pool).
struct UpstreamConnection {
  using PlainStream = ProxySocket;
  using TlsStream = boost::beast::ssl_stream<ProxySocket>;
  std::variant<std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>> stream;
  boost::beast::flat_buffer buffer;
  // The start line and header of the request being sent (serialize_upstream_head), then of the
  // response being relayed (RelayResponseParser); its capacity is kept across requests.
  std::string head;
  SocketDeadline deadline;  // after `stream`: released before the socket it closes goes
};

// A request sent and its response header read; the body, if any, is still on the connection.
// Lives on the forwarding coroutine's frame: a parser cannot be moved, and one is needed per
// response.
struct UpstreamExchange {
  UpstreamConnection connection;
  std::optional<RelayResponseParser> parser;  // writes the client's header to connection.head
};

class UpstreamPool {
 public:
  UpstreamPool(ProxyExecutor executor, UpstreamOptions options);

  // Resolves `address` (blocking, at start). An https address needs options.tls, an http one
  // must not have it. Returns an error message, or "" on success.
  std::string resolve(const UpstreamAddress& address);

  // Sends the judged `request` as serialize_upstream_head() frames it (without the header named
  // `session_header`) and reads the response header into `exchange`. A reused connection that
  // turns out to be closed by the upstream before answering is retried once on a fresh one.
  // `head`: the request is a HEAD, so the response has no body whatever its header says.
  ProxyAwaitable<std::optional<UpstreamError>> send(const ProxyRequest& request,
                                                    std::string_view session_header, bool head,
                                                    UpstreamExchange& exchange);

  // Ends an exchange that send() filled: the connection goes back to the idle list only when
  // the whole response was read (`complete`), the upstream keeps it alive and nothing unread is
  // left on it; otherwise it is closed, as a half-read response must never meet the next request.
  void finish(UpstreamExchange& exchange, bool complete);

  const UpstreamOptions& options() const { return options_; }
  const std::string& address_text() const { return address_text_; }
  void close_idle();
  std::size_t idle_connections() const { return idle_.size(); }

 private:
  SocketDeadline make_deadline(ProxySocket& socket) const;
  // Connects `socket` to one of the upstream's addresses. When none accepts and the upstream is
  // a name, resolves it again (at most once a second) and, if that gives other addresses, tries
  // those once.
  ProxyAwaitable<boost::system::error_code> connect(ProxySocket& socket, SocketDeadline& deadline);
  // The upstream name's addresses now; empty when the lookup failed or was made too recently.
  ProxyAwaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve_again();
  // A fresh connection: TCP connect, then for https the verified handshake.
  ProxyAwaitable<std::optional<UpstreamError>> open(UpstreamConnection& connection);
  struct Attempt {
    std::optional<UpstreamError> error;
    bool retryable = false;  // failed on a reused connection before any response byte
  };
  template <typename Stream>
  ProxyAwaitable<Attempt> exchange(Stream& stream, const ProxyRequest& request,
                                   std::string_view session_header, bool head, bool reused,
                                   UpstreamExchange& exchange);
  static void close(UpstreamConnection& connection);

  ProxyExecutor executor_;
  const UpstreamOptions options_;
  std::string host_;  // the name (or address) the upstream's certificate must carry
  std::string port_;
  bool host_is_name_ = false;  // an IP literal is never resolved again
  std::string address_text_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::chrono::steady_clock::time_point last_resolved_again_{};  // the epoch: never
  uint64_t failed_resolutions_ = 0;
  uint64_t moves_ = 0;  // re-resolutions that found other addresses, for the log's backoff
  std::vector<UpstreamConnection> idle_;  // touched only on this pool's io thread
};

}  // namespace panguard::agent
