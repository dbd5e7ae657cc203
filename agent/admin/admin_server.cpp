#include "agent/admin/admin_server.h"

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
    : routes_(routes),
      metrics_(metrics),
      options_(options),
      listener_(io, "admin", options.max_connections,
                [&metrics] { metrics.count_drop(DropStage::kAdminConnection); }) {}

std::string AdminServer::start(const ListenAddress& address) {
  return listener_.start(address, "admin.listen",
                         [this](std::shared_ptr<HttpConnection> c) { return serve(std::move(c)); });
}

tcp::endpoint AdminServer::local_endpoint() const { return listener_.local_endpoint(); }

asio::awaitable<void> AdminServer::serve(std::shared_ptr<HttpConnection> connection) {
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
      response = co_await routes_.handle(parser.get());
      response.keep_alive(parser.get().keep_alive() && !listener_.stopping());
    }

    stream.expires_after(options_.write_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    connection->busy = false;
    if (ec || !response.keep_alive() || listener_.stopping()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

}  // namespace panguard::agent
