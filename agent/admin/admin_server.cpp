#include "agent/admin/admin_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "agent/log/log.h"

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

HttpResponse error_response(http::status status, std::string body) {
  HttpResponse response(status, 11);
  response.set(http::field::server, "panguard");
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::move(body);
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, const AdminRoutes& routes, Metrics& metrics,
                         AdminServerOptions options)
    : io_(io), routes_(routes), metrics_(metrics), options_(options), acceptor_(io) {}

AdminServer::~AdminServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

std::string AdminServer::start(const ListenAddress& address) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return "admin.listen: bad address " + address.host;
  const tcp::endpoint endpoint(ip, address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot listen on " + address.to_string() + ": " + ec.message();
  }
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return "";
}

tcp::endpoint AdminServer::local_endpoint() const {
  boost::system::error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

void AdminServer::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : connections_) {
    if (!connection->busy) connection->stream.socket().close(ignored);
  }
}

asio::awaitable<void> AdminServer::accept_loop() {
  uint64_t refused = 0;
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      log::warning("admin: accept failed: ", ec.message());
      continue;
    }
    if (connections_.size() >= options_.max_connections) {
      // Refusing beats queueing: a flood of idle connections must not starve the scrapes.
      metrics_.count_drop(DropStage::kAdminConnection);
      if (log::should_log_occurrence(++refused)) {
        log::warning("admin: connection refused, ", options_.max_connections, " already open (",
                     refused, " refused so far)");
      }
      socket.close(ec);
      continue;
    }
    auto connection = std::make_shared<Connection>(std::move(socket));
    connections_.insert(connection);
    asio::co_spawn(io_, serve(connection), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(std::shared_ptr<Connection> connection) {
  beast::tcp_stream& stream = connection->stream;
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    stream.expires_after(options_.read_timeout);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));

    HttpResponse response;
    if (ec == http::error::body_limit) {
      metrics_.count_drop(DropStage::kIngest);
      if (log::should_log_occurrence(++oversized_requests_)) {
        log::warning("admin: request body over ", options_.max_body_bytes, " bytes refused (",
                     oversized_requests_, " so far)");
      }
      response = error_response(http::status::payload_too_large, "request body too large\n");
    } else if (ec == http::error::header_limit) {
      response = error_response(http::status::request_header_fields_too_large,
                                "request header too large\n");
    } else if (ec) {
      break;  // closed, timed out, or not HTTP: nothing worth answering
    } else {
      connection->busy = true;
      response = routes_.handle(parser.get());
      response.keep_alive(parser.get().keep_alive() && !stopping_);
    }

    stream.expires_after(options_.write_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    connection->busy = false;
    if (ec || !response.keep_alive() || stopping_) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
  connections_.erase(connection);
}

}  // namespace panguard::agent
