#include "agent/identity/kube/kube_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <cstdint>
#include <limits>

#include "agent/net/tls_context.h"

namespace panguard::agent::identity::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t kErrorBodyBytes = 512;  // kept from a non-200 answer, for the log line
constexpr std::size_t kWatchPieceBytes = 16 * 1024;

std::string host_header(const ApiServer& server) {
  const bool ipv6 = server.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
}

struct Connection {
  std::unique_ptr<TlsStream> stream;
  std::string error;
};

asio::awaitable<Connection> open_connection(asio::any_io_executor executor, const ApiServer& server,
                                            ssl::context& tls, std::chrono::seconds timeout) {
  auto resolved = co_await alerts::net::resolve_within(executor, server.host, server.port, timeout);
  if (auto* error = std::get_if<std::string>(&resolved)) co_return Connection{nullptr, *error};
  const auto& endpoints = std::get<tcp::resolver::results_type>(resolved);
  const std::string where = host_header(server);
  boost::system::error_code ec;

  auto stream = std::make_unique<TlsStream>(executor, tls);
  if (std::string error = bind_peer_name(stream->native_handle(), server.host); !error.empty()) {
    co_return Connection{nullptr, error};
  }
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(timeout);
  co_await tcp_layer.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Connection{nullptr, "cannot connect to " + where + ": " + ec.message()};
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);
  tcp_layer.expires_after(timeout);
  co_await stream->async_handshake(ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Connection{nullptr, "TLS handshake with " + where + " failed: " + ec.message()};
  co_return Connection{std::move(stream), ""};
}

// Connects and sends `GET target` with the bearer token. Returns the error, or "".
asio::awaitable<std::string> send_get(asio::any_io_executor executor, const ApiServer& server,
                                      ssl::context& tls, ServiceAccountToken& token,
                                      std::chrono::seconds timeout, const std::string& target,
                                      Connection& connection) {
  const ServiceAccountToken::Read credential = token.current();
  if (!credential.error.empty()) co_return credential.error;
  connection = co_await open_connection(executor, server, tls, timeout);
  if (!connection.error.empty()) co_return connection.error;

  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host_header(server));
  request.set(http::field::accept, "application/json");
  request.set(http::field::user_agent, "panguard-agent");
  request.set(http::field::authorization, "Bearer " + credential.token);
  boost::system::error_code ec;
  beast::get_lowest_layer(*connection.stream).expires_after(timeout);
  co_await http::async_write(*connection.stream, request,
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "cannot send the request: " + ec.message();
  co_return "";
}

}  // namespace

std::variant<KubeTlsContext, std::string> make_kube_tls_context(const std::string& ca_file) {
  auto made = make_verifying_client_context();
  if (auto* error = std::get_if<std::string>(&made)) return *error;
  TlsContext context = std::get<TlsContext>(std::move(made));
  if (SSL_CTX_load_verify_locations(context->native_handle(), ca_file.c_str(), nullptr) != 1) {
    return "cannot load the cluster CA from " + ca_file + ": " + openssl_error();
  }
  return context;
}

KubeClient::KubeClient(asio::any_io_executor executor, ApiServer server, KubeTlsContext tls,
                       ServiceAccountToken& token, std::chrono::seconds request_timeout)
    : executor_(std::move(executor)),
      server_(std::move(server)),
      tls_(std::move(tls)),
      token_(token),
      request_timeout_(request_timeout) {}

asio::awaitable<ApiResponse> KubeClient::get(const std::string& target,
                                             std::size_t max_body_bytes) {
  Connection connection;
  ApiResponse response;
  response.error =
      co_await send_get(executor_, server_, *tls_, token_, request_timeout_, target, connection);
  if (!response.error.empty()) co_return response;

  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  beast::get_lowest_layer(*connection.stream).expires_after(request_timeout_);
  co_await http::async_read(*connection.stream, buffer, parser,
                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec == http::error::body_limit) {
    response.error = "response body over " + std::to_string(max_body_bytes) + " bytes";
    co_return response;
  }
  if (ec) {
    response.error = "cannot read the response: " + ec.message();
    co_return response;
  }
  response.status = parser.get().result_int();
  response.body = parser.release().body();
  if (response.status != 200 && response.body.size() > kErrorBodyBytes) {
    response.body.resize(kErrorBodyBytes);
  }
  co_return response;
}

asio::awaitable<ApiResponse> KubeClient::watch(
    const std::string& target, std::chrono::seconds idle_timeout,
    const std::function<std::string(std::string_view)>& on_bytes) {
  Connection connection;
  ApiResponse response;
  response.error =
      co_await send_get(executor_, server_, *tls_, token_, request_timeout_, target, connection);
  if (!response.error.empty()) co_return response;

  http::response_parser<http::buffer_body> parser;
  // No total bound: a watch lasts timeoutSeconds and each object is bounded by the framer. Not
  // boost::none: Boost 1.74 compares a Content-Length against it and always finds it larger.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  TlsStream& stream = *connection.stream;
  beast::get_lowest_layer(stream).expires_after(request_timeout_);
  co_await http::async_read_header(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    response.error = "cannot read the response: " + ec.message();
    co_return response;
  }
  response.status = parser.get().result_int();
  std::array<char, kWatchPieceBytes> piece;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    beast::get_lowest_layer(stream).expires_after(idle_timeout);
    co_await http::async_read_some(stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      response.error = "watch stream broken: " + ec.message();
      co_return response;
    }
    const std::size_t received = piece.size() - parser.get().body().size;
    const std::string_view bytes(piece.data(), received);
    if (response.status != 200) {
      response.body.append(bytes.substr(0, kErrorBodyBytes - response.body.size()));
      if (response.body.size() >= kErrorBodyBytes) co_return response;
      continue;
    }
    if (received == 0) continue;
    if (std::string stop = on_bytes(bytes); !stop.empty()) {
      response.error = std::move(stop);
      co_return response;
    }
  }
  co_return response;
}

}  // namespace panguard::agent::identity::kube
