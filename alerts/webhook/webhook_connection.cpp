#include "alerts/webhook/webhook_connection.h"

#include "alerts/net/outbound.h"

#include <stdexcept>

#include <openssl/ssl.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace panguard::alerts::webhook {

boost::asio::ssl::context verified_client_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  ssl::context tls(ssl::context::tls_client);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  tls.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(ca_file, ec);
  }
  if (ec) throw std::invalid_argument("ca_file " + ca_file + ": " + ec.message());
  return tls;
}
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::size_t kMaxResponseBody = 64 * 1024;

}  // namespace

WebhookConnection::WebhookConnection(asio::any_io_executor executor, const WebhookUrl& url,
                                     asio::ssl::context* tls, std::chrono::milliseconds timeout,
                                     std::string user_agent)
    : executor_(std::move(executor)),
      url_(url),
      tls_(tls),
      timeout_(timeout),
      user_agent_(std::move(user_agent)) {}

WebhookConnection::~WebhookConnection() { close(); }

beast::tcp_stream& WebhookConnection::lowest() {
  if (auto* plain = std::get_if<std::unique_ptr<PlainStream>>(&stream_)) return **plain;
  return beast::get_lowest_layer(*std::get<std::unique_ptr<TlsStream>>(stream_));
}

void WebhookConnection::close() {
  if (std::holds_alternative<std::monostate>(stream_)) return;
  boost::system::error_code ignored;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest().socket().close(ignored);
  stream_ = std::monostate{};
  buffer_.clear();
}

void WebhookConnection::cancel() {
  if (std::holds_alternative<std::monostate>(stream_)) return;
  boost::system::error_code ignored;
  lowest().socket().close(ignored);
}

asio::awaitable<std::string> WebhookConnection::open() {
  auto resolved = co_await net::resolve_within(executor_, url_.host, url_.port, timeout_);
  if (auto* error = std::get_if<std::string>(&resolved)) co_return std::move(*error);
  const auto& endpoints = std::get<tcp::resolver::results_type>(resolved);
  boost::system::error_code ec;

  if (tls_ == nullptr) {
    auto stream = std::make_unique<PlainStream>(executor_);
    stream->expires_after(timeout_);
    co_await stream->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "cannot connect to " + url_.host_header + ": " + ec.message();
    stream->socket().set_option(tcp::no_delay(true), ec);
    stream_ = std::move(stream);
    co_return "";
  }
  auto stream = std::make_unique<TlsStream>(executor_, *tls_);
  if (std::string error = net::bind_peer_name(stream->native_handle(), url_.host); !error.empty()) {
    co_return error;
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(timeout_);
  co_await tcp_layer.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "cannot connect to " + url_.host_header + ": " + ec.message();
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);
  tcp_layer.expires_after(timeout_);
  co_await stream->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "TLS handshake with " + url_.host_header + " failed: " + ec.message();
  stream_ = std::move(stream);
  co_return "";
}

asio::awaitable<PostResult> WebhookConnection::post(const std::string& body,
                                                    const SignedHeaders& headers) {
  const HeaderFields fields{{"webhook-id", headers.id},
                            {"webhook-timestamp", headers.timestamp},
                            {"webhook-signature", headers.signature}};
  co_return co_await post(body, fields);
}

asio::awaitable<PostResult> WebhookConnection::post(const std::string& body,
                                                    const HeaderFields& headers) {
  PostResult result;
  if (std::holds_alternative<std::monostate>(stream_)) {
    if (std::string error = co_await open(); !error.empty()) {
      close();
      result.error = std::move(error);
      co_return result;
    }
  }
  http::request<http::string_body> request{http::verb::post, url_.target, 11};
  request.set(http::field::host, url_.host_header);
  request.set(http::field::user_agent, user_agent_);
  request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();

  boost::system::error_code ec;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  lowest().expires_after(timeout_);
  if (auto* plain = std::get_if<std::unique_ptr<PlainStream>>(&stream_)) {
    co_await http::async_write(**plain, request, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      lowest().expires_after(timeout_);
      co_await http::async_read(**plain, buffer_, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
  } else {
    auto& tls = *std::get<std::unique_ptr<TlsStream>>(stream_);
    co_await http::async_write(tls, request, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      lowest().expires_after(timeout_);
      co_await http::async_read(tls, buffer_, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  if (ec) {
    close();
    result.error = ec == beast::error::timeout ? "timed out" : ec.message();
    co_return result;
  }
  const auto& response = parser.get();
  result.responded = true;
  result.status = response.result_int();
  if (const auto it = response.find(http::field::retry_after); it != response.end()) {
    result.retry_after = std::string(it->value());
  }
  if (!response.keep_alive()) close();
  co_return result;
}

}  // namespace panguard::alerts::webhook
