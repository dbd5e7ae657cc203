#include "agent/net/http_listener.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/log/log.h"

namespace panguard::agent {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpListener::HttpListener(asio::io_context& io, std::string name, std::size_t max_connections,
                           std::function<void()> on_refused)
    : io_(io),
      name_(std::move(name)),
      max_connections_(max_connections),
      on_refused_(std::move(on_refused)),
      acceptor_(io) {}

HttpListener::~HttpListener() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

std::string HttpListener::start(const ListenAddress& address, std::string_view config_key,
                                Serve serve, PortSharing sharing) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return std::string(config_key) + ": bad address " + address.host;
  const tcp::endpoint endpoint(ip, address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && sharing == PortSharing::kShared) {
    acceptor_.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  }
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return std::string(config_key) + ": cannot listen on " + address.to_string() + ": " +
           ec.message();
  }
  serve_ = std::move(serve);
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return "";
}

tcp::endpoint HttpListener::local_endpoint() const {
  boost::system::error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

void HttpListener::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& connection : connections_) {
    if (!connection->busy) connection->stream.socket().close(ignored);
  }
}

asio::awaitable<void> HttpListener::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      log::warning(name_, ": accept failed: ", ec.message());
      continue;
    }
    if (connections_.size() >= max_connections_) {
      // Refusing beats queueing: a flood of idle connections must not starve real work.
      on_refused_();
      if (log::should_log_occurrence(++refused_)) {
        log::warning(name_, ": connection refused, ", max_connections_, " already open (", refused_,
                     " refused so far)");
      }
      socket.close(ec);
      continue;
    }
    auto connection = std::make_shared<HttpConnection>(std::move(socket));
    connections_.insert(connection);
    open_connections_.store(connections_.size());
    asio::co_spawn(io_, run(connection), asio::detached);
  }
}

asio::awaitable<void> HttpListener::run(std::shared_ptr<HttpConnection> connection) {
  co_await serve_(connection);
  connections_.erase(connection);
  open_connections_.store(connections_.size());
}

}  // namespace panguard::agent
