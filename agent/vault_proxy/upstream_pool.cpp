#include "agent/vault_proxy/upstream_pool.h"

#include <openssl/x509.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
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

void UpstreamPool::close(Connection& connection) {
  // No TLS close_notify: the upstream learns of the close from the TCP FIN, which is all an
  // HTTP/1.1 keep-alive connection between requests needs.
  boost::system::error_code ignored;
  std::visit([&](auto& stream) { beast::get_lowest_layer(*stream).socket().close(ignored); },
             connection);
}

void UpstreamPool::close_idle() {
  for (auto& connection : idle_) close(connection);
  idle_.clear();
}

asio::awaitable<std::variant<UpstreamPool::Connection, UpstreamError>> UpstreamPool::open() {
  boost::system::error_code ec;
  if (!options_.tls) {
    auto stream = std::make_unique<PlainStream>(executor_);
    stream->expires_after(options_.connect_timeout);
    co_await stream->async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return UpstreamError{"cannot connect to " + address_text_ + ": " + ec.message()};
    co_return Connection{std::move(stream)};
  }

  auto stream = std::make_unique<TlsStream>(executor_, *options_.tls);
  if (std::string error = bind_upstream_name(stream->native_handle(), host_); !error.empty()) {
    co_return UpstreamError{address_text_ + ": " + error};
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(options_.connect_timeout);
  co_await tcp_layer.async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return UpstreamError{"cannot connect to " + address_text_ + ": " + ec.message()};
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
  co_return Connection{std::move(stream)};
}

asio::awaitable<std::variant<ProxyResponse, UpstreamError>> UpstreamPool::send(
    const ProxyRequest& request) {
  for (;;) {
    const bool reused = !idle_.empty();
    Connection connection;
    if (reused) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      auto opened = co_await open();
      if (auto* error = std::get_if<UpstreamError>(&opened)) co_return std::move(*error);
      connection = std::get<Connection>(std::move(opened));
    }
    Attempt outcome = co_await std::visit(
        [&](auto& stream) { return exchange(*stream, request, reused); }, connection);
    if (outcome.reusable && idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(connection));
    } else {
      close(connection);
    }
    if (!outcome.retryable) co_return std::move(outcome.result);
    // A stale keep-alive connection: the upstream closed it before reading this request. Go
    // round again, which ends on a fresh connection once the idle list is used up.
  }
}

template <typename Stream>
asio::awaitable<UpstreamPool::Attempt> UpstreamPool::exchange(Stream& stream,
                                                              const ProxyRequest& request,
                                                              bool reused) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  boost::system::error_code ec;
  tcp_layer.expires_after(options_.write_timeout);
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return Attempt{UpstreamError{"write to " + address_text_ + " failed: " + ec.message()},
                      reused};
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header_bytes));
  parser.skip(request.method() == http::verb::head);  // a HEAD answer has no body to read
  tcp_layer.expires_after(options_.read_timeout);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const bool nothing_read = !parser.got_some();
    std::string why =
        ec == http::error::body_limit
            ? "response body over " + std::to_string(options_.max_response_body_bytes) + " bytes"
            : ec.message();
    co_return Attempt{UpstreamError{"reading from " + address_text_ + " failed: " + why},
                      reused && nothing_read};
  }

  ProxyResponse response = parser.release();
  // Bytes left over would belong to no request: such a connection is not reused.
  const bool reusable = response.keep_alive() && buffer.size() == 0;
  co_return Attempt{std::move(response), false, reusable};
}

}  // namespace panguard::agent
