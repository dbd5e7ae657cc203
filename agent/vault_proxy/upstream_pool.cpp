#include "agent/vault_proxy/upstream_pool.h"

#include <openssl/x509.h>

#include <cstdint>
#include <limits>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

}  // namespace

UpstreamPool::UpstreamPool(asio::any_io_executor executor, UpstreamOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

std::string UpstreamPool::resolve(const UpstreamAddress& address) {
  if (address.tls != static_cast<bool>(options_.tls)) {
    return "vault.upstream: " + address.to_string() +
           (address.tls ? " needs a TLS context" : " is plain http but a TLS context was given");
  }
  host_ = address.host;
  address_text_ = address.to_string();
  tcp::resolver resolver(executor_);
  boost::system::error_code ec;
  const auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || results.empty()) {
    return "vault.upstream: cannot resolve " + address.host + ": " +
           (ec ? ec.message() : "no addresses");
  }
  endpoints_.clear();
  for (const auto& entry : results) endpoints_.push_back(entry.endpoint());
  return "";
}

void UpstreamPool::copy_address(const UpstreamPool& other) {
  host_ = other.host_;
  address_text_ = other.address_text_;
  endpoints_ = other.endpoints_;
}

void UpstreamPool::close(UpstreamConnection& connection) {
  // No TLS close_notify: the upstream learns of the close from the TCP FIN, which is all an
  // HTTP/1.1 keep-alive connection between requests needs.
  boost::system::error_code ignored;
  std::visit(
      [&](auto& stream) {
        if (stream) beast::get_lowest_layer(*stream).socket().close(ignored);
      },
      connection.stream);
}

void UpstreamPool::close_idle() {
  for (auto& connection : idle_) close(connection);
  idle_.clear();
}

asio::awaitable<std::optional<UpstreamError>> UpstreamPool::open(UpstreamConnection& connection) {
  boost::system::error_code ec;
  connection.buffer.clear();
  if (!options_.tls) {
    auto stream = std::make_unique<UpstreamConnection::PlainStream>(executor_);
    stream->expires_after(options_.connect_timeout);
    co_await stream->async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return UpstreamError{"cannot connect to " + address_text_ + ": " + ec.message()};
    // Small requests and response headers must not wait for Nagle's algorithm.
    stream->socket().set_option(tcp::no_delay(true), ec);
    connection.stream = std::move(stream);
    co_return std::nullopt;
  }

  auto stream = std::make_unique<UpstreamConnection::TlsStream>(executor_, *options_.tls);
  if (std::string error = bind_upstream_name(stream->native_handle(), host_); !error.empty()) {
    co_return UpstreamError{address_text_ + ": " + error};
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(options_.connect_timeout);
  co_await tcp_layer.async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return UpstreamError{"cannot connect to " + address_text_ + ": " + ec.message()};
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);
  tcp_layer.expires_after(options_.handshake_timeout);
  co_await stream->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // Say why the certificate was refused (wrong CA, wrong name, expired), not only that it was.
    const long verify = SSL_get_verify_result(stream->native_handle());
    std::string why = verify != X509_V_OK ? std::string("certificate refused: ") +
                                                X509_verify_cert_error_string(verify)
                                          : ec.message();
    tcp_layer.socket().close(ec);
    co_return UpstreamError{"TLS handshake with " + address_text_ + " failed: " + why,
                            verify != X509_V_OK};
  }
  connection.stream = std::move(stream);
  co_return std::nullopt;
}

asio::awaitable<std::optional<UpstreamError>> UpstreamPool::send(const ProxyRequest& request,
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
        [&](auto& stream) { return this->exchange(*stream, request, head, reused, exchange); },
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
    idle_.push_back(std::move(exchange.connection));
  } else {
    close(exchange.connection);
  }
  exchange.parser.reset();
}

template <typename Stream>
asio::awaitable<UpstreamPool::Attempt> UpstreamPool::exchange(Stream& stream,
                                                              const ProxyRequest& request,
                                                              bool head, bool reused,
                                                              UpstreamExchange& exchange) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  boost::system::error_code ec;
  tcp_layer.expires_after(options_.write_timeout);
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return Attempt{UpstreamError{"write to " + address_text_ + " failed: " + ec.message()},
                      reused};
  }

  auto& parser = exchange.parser.emplace();
  // Streamed, so no size bound is needed. Not boost::none: Boost 1.74 compares the
  // Content-Length with the optional itself, and every length is "over" an empty one.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header_bytes));
  parser.skip(head);  // a HEAD answer has no body to read
  tcp_layer.expires_after(options_.read_timeout);
  co_await http::async_read_header(stream, exchange.connection.buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const bool nothing_read = !parser.got_some();
    co_return Attempt{UpstreamError{"reading from " + address_text_ + " failed: " + ec.message()},
                      reused && nothing_read};
  }
  co_return Attempt{};
}

}  // namespace panguard::agent
