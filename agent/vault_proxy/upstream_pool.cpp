#include "agent/vault_proxy/upstream_pool.h"

#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "agent/log/log.h"
#include "agent/vault_proxy/write_now.h"

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// The least time between two lookups of the upstream name after connections to it failed.
constexpr std::chrono::seconds kResolveAgainInterval{1};

// Says "timed out" rather than "Operation canceled" when the deadline closed the socket.
std::string failure(const boost::system::error_code& ec, const SocketDeadline& deadline) {
  return deadline.expired() ? "timed out" : ec.message();
}

}  // namespace

UpstreamPool::UpstreamPool(ProxyExecutor executor, UpstreamOptions options)
    : executor_(executor), options_(std::move(options)) {}

std::string UpstreamPool::resolve(const UpstreamAddress& address) {
  if (address.tls != static_cast<bool>(options_.tls)) {
    return "vault.upstream: " + address.to_string() +
           (address.tls ? " needs a TLS context" : " is plain http but a TLS context was given");
  }
  host_ = address.host;
  port_ = std::to_string(address.port);
  address_text_ = address.to_string();
  boost::system::error_code ec;
  asio::ip::make_address(host_, ec);
  host_is_name_ = static_cast<bool>(ec);
  tcp::resolver resolver(executor_);
  const auto results = resolver.resolve(host_, port_, ec);
  if (ec || results.empty()) {
    return "vault.upstream: cannot resolve " + address.host + ": " +
           (ec ? ec.message() : "no addresses");
  }
  endpoints_.clear();
  for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
  return "";
}

void UpstreamPool::close(UpstreamConnection& connection) {
  // No TLS close_notify: the upstream learns of the close from the TCP FIN, which is all an
  // HTTP/1.1 keep-alive connection between requests needs.
  boost::system::error_code ignored;
  connection.deadline = SocketDeadline();
  std::visit(
      [&](auto& stream) {
        if (stream) beast::get_lowest_layer(*stream).close(ignored);
      },
      connection.stream);
}

void UpstreamPool::close_idle() {
  for (auto& connection : idle_) close(connection);
  idle_.clear();
}

// A deadline for the connection's socket, stepping at the shortest timeout used on it.
SocketDeadline UpstreamPool::make_deadline(ProxySocket& socket) const {
  auto shortest =
      std::min({options_.connect_timeout, options_.write_timeout, options_.read_timeout});
  if (options_.tls) shortest = std::min(shortest, options_.handshake_timeout);
  return closing_deadline(executor_, socket, shortest);
}

ProxyAwaitable<std::vector<tcp::endpoint>> UpstreamPool::resolve_again() {
  std::vector<tcp::endpoint> found;
  const auto now = std::chrono::steady_clock::now();
  // Requests that find the upstream gone together share one lookup: the others fail as before.
  if (now - last_resolved_again_ < kResolveAgainInterval) co_return found;
  last_resolved_again_ = now;
  asio::ip::basic_resolver<tcp, ProxyExecutor> resolver(executor_);
  SocketDeadline deadline(
      executor_, [&resolver] { resolver.cancel(); }, options_.connect_timeout);
  deadline.expires_after(options_.connect_timeout);
  boost::system::error_code ec;
  const auto results =
      co_await resolver.async_resolve(host_, port_, asio::redirect_error(kProxyAwait, ec));
  if (ec) {
    if (log::should_log_occurrence(++failed_resolutions_)) {
      log::warning("vault proxy: cannot resolve upstream ", host_,
                   " again: ", failure(ec, deadline), " (", failed_resolutions_, " so far)");
    }
    co_return found;
  }
  for (const auto& entry : results) found.push_back(entry.endpoint());
  co_return found;
}

ProxyAwaitable<boost::system::error_code> UpstreamPool::connect(ProxySocket& socket,
                                                                SocketDeadline& deadline) {
  boost::system::error_code ec;
  deadline.expires_after(options_.connect_timeout);
  co_await asio::async_connect(socket, endpoints_, asio::redirect_error(kProxyAwait, ec));
  if (!ec || !host_is_name_) co_return ec;
  std::vector<tcp::endpoint> found = co_await resolve_again();
  if (found.empty() ||
      std::is_permutation(found.begin(), found.end(), endpoints_.begin(), endpoints_.end())) {
    co_return ec;
  }
  endpoints_ = std::move(found);
  if (log::should_log_occurrence(++moves_)) {
    log::warning("vault proxy: no address of upstream ", address_text_,
                 " accepted a connection and the name resolves to others now: using those (",
                 moves_, " such changes so far)");
  }
  deadline.expires_after(options_.connect_timeout);
  co_await asio::async_connect(socket, endpoints_, asio::redirect_error(kProxyAwait, ec));
  co_return ec;
}

ProxyAwaitable<std::optional<UpstreamError>> UpstreamPool::open(UpstreamConnection& connection) {
  boost::system::error_code ec;
  connection.buffer.clear();
  if (!options_.tls) {
    auto stream = std::make_unique<UpstreamConnection::PlainStream>(executor_);
    SocketDeadline deadline = make_deadline(*stream);
    ec = co_await connect(*stream, deadline);
    if (ec) {
      co_return UpstreamError{"cannot connect to " + address_text_ + ": " + failure(ec, deadline)};
    }
    // Small requests and response headers must not wait for Nagle's algorithm.
    stream->set_option(tcp::no_delay(true), ec);
    stream->non_blocking(true, ec);  // for write_now()
    deadline.expires_never();
    connection.stream = std::move(stream);
    connection.deadline = std::move(deadline);
    co_return std::nullopt;
  }

  auto stream = std::make_unique<UpstreamConnection::TlsStream>(executor_, *options_.tls);
  if (std::string error = bind_peer_name(stream->native_handle(), host_); !error.empty()) {
    co_return UpstreamError{address_text_ + ": " + error};
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  SocketDeadline deadline = make_deadline(tcp_layer);
  ec = co_await connect(tcp_layer, deadline);
  if (ec) {
    co_return UpstreamError{"cannot connect to " + address_text_ + ": " + failure(ec, deadline)};
  }
  tcp_layer.set_option(tcp::no_delay(true), ec);
  deadline.expires_after(options_.handshake_timeout);
  co_await stream->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(kProxyAwait, ec));
  if (ec) {
    // Say why the certificate was refused (wrong CA, wrong name, expired), not only that it was.
    const long verify = SSL_get_verify_result(stream->native_handle());
    std::string why = verify != X509_V_OK ? std::string("certificate refused: ") +
                                                X509_verify_cert_error_string(verify)
                                          : failure(ec, deadline);
    tcp_layer.close(ec);
    co_return UpstreamError{"TLS handshake with " + address_text_ + " failed: " + why,
                            verify != X509_V_OK};
  }
  deadline.expires_never();
  connection.stream = std::move(stream);
  connection.deadline = std::move(deadline);
  co_return std::nullopt;
}

ProxyAwaitable<std::optional<UpstreamError>> UpstreamPool::send(const ProxyRequest& request,
                                                                std::string_view session_header,
                                                                bool head,
                                                                UpstreamExchange& exchange) {
  for (;;) {
    const bool reused = !idle_.empty();
    if (reused) {
      exchange.connection = std::move(idle_.back());
      idle_.pop_back();
    } else if (auto error = co_await open(exchange.connection)) {
      co_return error;
    }
    Attempt outcome = co_await std::visit(
        [&](auto& stream) {
          return this->exchange(*stream, request, session_header, head, reused, exchange);
        },
        exchange.connection.stream);
    if (!outcome.error) co_return std::nullopt;
    close(exchange.connection);
    if (!outcome.retryable) co_return std::move(outcome.error);
    // A stale keep-alive connection: the upstream closed it before reading this request. Go
    // round again, which ends on a fresh connection once the idle list is used up.
  }
}

void UpstreamPool::finish(UpstreamExchange& exchange, bool complete) {
  // Bytes left over would belong to no request: such a connection is not reused.
  const bool reusable = complete && exchange.parser && exchange.parser->is_done() &&
                        exchange.parser->keep_alive() && exchange.connection.buffer.size() == 0;
  if (reusable && idle_.size() < options_.max_idle_connections) {
    exchange.connection.deadline.expires_never();  // idle: nothing to time out
    idle_.push_back(std::move(exchange.connection));
  } else {
    close(exchange.connection);
  }
  exchange.parser.reset();
}

template <typename Stream>
ProxyAwaitable<UpstreamPool::Attempt> UpstreamPool::exchange(Stream& stream,
                                                             const ProxyRequest& request,
                                                             std::string_view session_header,
                                                             bool head, bool reused,
                                                             UpstreamExchange& exchange) {
  SocketDeadline& deadline = exchange.connection.deadline;
  boost::system::error_code ec;
  deadline.expires_after(options_.write_timeout);
  serialize_upstream_head(request, session_header, exchange.connection.head);
  const std::array<asio::const_buffer, 2> message{asio::buffer(exchange.connection.head),
                                                  asio::buffer(request.body())};
  beast::buffers_suffix<std::array<asio::const_buffer, 2>> unsent(message);
  unsent.consume(write_now(stream, message, ec));
  if (!ec && beast::buffer_bytes(unsent) != 0) {
    co_await asio::async_write(stream, unsent, asio::redirect_error(kProxyAwait, ec));
  }
  if (ec) {
    co_return Attempt{
        UpstreamError{"write to " + address_text_ + " failed: " + failure(ec, deadline)}, reused};
  }

  // Informational answers (1xx) are not the response. Vault sends none (the proxy strips
  // Expect), and relaying one as the response would leave the real one unread on a pooled
  // connection, for the next request to receive: they are read past, a few at most. 101, a
  // switch of protocol the proxy never asked for, fails the exchange.
  constexpr int kMaxInformational = 8;
  for (int informational = 0;; ++informational) {
    auto& parser = exchange.parser.emplace(exchange.connection.head);
    // Streamed, so no size bound is needed. Not boost::none: Boost 1.74 compares the
    // Content-Length with the optional itself, and every length is "over" an empty one.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header_bytes));
    parser.skip(head);  // a HEAD answer has no body to read
    deadline.expires_after(options_.read_timeout);
    co_await http::async_read_header(stream, exchange.connection.buffer, parser,
                                     asio::redirect_error(kProxyAwait, ec));
    deadline.expires_never();  // the relay sets its own for each body read
    if (ec) {
      const bool nothing_read = informational == 0 && !parser.got_some();
      co_return Attempt{
          UpstreamError{"reading from " + address_text_ + " failed: " + failure(ec, deadline)},
          reused && nothing_read};
    }
    if (parser.status() >= 200) break;
    if (parser.status() == 101 || informational + 1 == kMaxInformational) {
      co_return Attempt{UpstreamError{address_text_ + " answered with status " +
                                      std::to_string(parser.status()) + " only"}};
    }
  }
  co_return Attempt{};
}

}  // namespace panguard::agent
