// The inline Vault proxy: a Boost.Beast HTTP/1.1 server on vault.listen, plain or TLS. One
// coroutine per client connection; each request is read with header and body limits under a
// deadline, judged by the request gate, and then refused or forwarded through the upstream pool.
// The session header is never forwarded.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "agent/config/config.h"
#include "agent/identity/client_workload.h"
#include "agent/metrics/metrics.h"
#include "agent/net/http_listener.h"
#include "agent/net/tls_context.h"
#include "agent/time_source.h"
#include "agent/vault_proxy/proxy_executor.h"
#include "agent/vault_proxy/request_gate.h"
#include "agent/vault_proxy/request_limits.h"
#include "agent/vault_proxy/socket_deadline.h"
#include "agent/vault_proxy/upstream_pool.h"

namespace panguard::agent {

struct VaultProxyOptions {
  std::size_t max_header_bytes = kDefaultMaxRequestHeaderBytes;
  std::size_t max_body_bytes = kDefaultMaxRequestBodyBytes;
  std::size_t max_connections = 256;  // also bounds upstream connections: one request each
  std::chrono::milliseconds read_timeout{10'000};   // whole request, also the keep-alive idle time
  std::chrono::milliseconds write_timeout{10'000};  // each write: an answer, or a relayed piece
  std::chrono::milliseconds handshake_timeout{5'000};  // TLS listener only
  TlsContext listener_tls;  // make_listener_tls_context (vault.tls); null: plain HTTP
  UpstreamOptions upstream;
};

// What the gate needs, owned here so it lives as long as the server.
struct VaultProxyRules {
  vault::JwtVerifier verifier;
  vault::TenantPatterns patterns;
  vault::RequestLayout layout;
  std::string session_header;
  Mode mode = Mode::kMonitor;
};

// The workload that opened an accepted connection, from its remote and local endpoints.
using ClientLookup = std::function<identity::ClientWorkload(
    const boost::asio::ip::tcp::endpoint& remote, const boost::asio::ip::tcp::endpoint& local)>;

class VaultProxyServer {
 public:
  // `rules` may be shared by several servers (the shards of one proxy): it is only read.
  VaultProxyServer(boost::asio::io_context& io, std::shared_ptr<const VaultProxyRules> rules,
                   Pipeline& pipeline, Metrics& metrics, const TimeSource& clock,
                   VaultProxyOptions options);
  VaultProxyServer(const VaultProxyServer&) = delete;
  VaultProxyServer& operator=(const VaultProxyServer&) = delete;

  // Resolves the upstream, binds and starts accepting. Returns an error message, or "".
  std::string start(const ListenAddress& listen, const UpstreamAddress& upstream,
                    PortSharing sharing = PortSharing::kExclusive);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Token-to-workload binding: each accepted connection is looked up once and every request on
  // it carries the client.* fields. Set before the io loop runs; unset, client.source is none.
  void set_client_lookup(ClientLookup lookup) { client_lookup_ = std::move(lookup); }

  // Stops accepting and closes idle connections; requests in progress finish first.
  void stop();
  std::size_t open_connections() const { return listener_.open_connections(); }

 private:
  // The listener's coroutine (any_io_executor): runs serve_connection on the proxy's own
  // executor type and waits for it.
  boost::asio::awaitable<void> serve(std::shared_ptr<HttpConnection> connection);
  ProxyAwaitable<void> serve_connection(std::shared_ptr<HttpConnection> connection);
  // The HTTP loop, the same for both listeners: `stream` is the connection's TCP socket or a TLS
  // stream over it. `deadline` watches the TCP socket.
  template <typename Stream>
  ProxyAwaitable<void> serve_requests(std::shared_ptr<HttpConnection> connection, Stream& stream,
                                      SocketDeadline& deadline,
                                      const identity::ClientWorkload& client);
  // Forwards an allowed request (as serialize_upstream_head frames it) and streams the
  // response to `client`. Returns the answer still to be written when the upstream failed before
  // its response header (502); nullopt when the response was relayed, or broke off, which
  // `client_usable` then reports as false: the client connection must close (as it must after
  // a body that an HTTP/1.0 client reads to the end of the connection).
  template <typename Stream>
  ProxyAwaitable<std::optional<ProxyResponse>> forward(const ProxyRequest& request, Stream& client,
                                                       SocketDeadline& client_deadline,
                                                       bool keep_alive, std::span<char> piece,
                                                       bool& client_usable);
  ProxyResponse body_too_large();  // 413, counted and logged
  // A request refused for its shape before the gate saw it: a critical platform alert naming
  // `code`, counted as rejected. The answer is the gate's 400 naming the code, or `own_answer`
  // where the client must be able to tell what it hit (431, 417).
  ProxyResponse refuse_shape(const std::string& code,
                             std::optional<ProxyResponse> own_answer = std::nullopt);

  const std::shared_ptr<const VaultProxyRules> rules_;
  vault::JwtCache jwt_cache_;
  const GateContext gate_;
  Metrics& metrics_;
  const TimeSource& clock_;
  const VaultProxyOptions options_;
  const ProxyExecutor executor_;
  UpstreamPool upstream_;
  HttpListener listener_;
  ClientLookup client_lookup_;
  // Occurrence counts for rate-limited log lines.
  std::atomic<uint64_t> upstream_errors_{0};
  std::atomic<uint64_t> broken_relays_{0};
  std::atomic<uint64_t> certificate_refusals_{0};
  std::atomic<uint64_t> oversized_requests_{0};
  std::atomic<uint64_t> failed_handshakes_{0};
};

}  // namespace panguard::agent
