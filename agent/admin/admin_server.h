// Boost.Beast HTTP/1.1 server for the admin API. One coroutine per connection; every read and
// write has a deadline; request bodies are size-limited; a connection cap bounds memory.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <string>

#include "agent/admin/admin_routes.h"
#include "agent/config/config.h"
#include "agent/metrics/metrics.h"
#include "agent/net/http_listener.h"

namespace panguard::agent {

struct AdminServerOptions {
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_connections = 64;
  std::chrono::milliseconds read_timeout{10'000};  // whole request, also the keep-alive idle time
  std::chrono::milliseconds write_timeout{10'000};
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, const AdminRoutes& routes, Metrics& metrics,
              AdminServerOptions options);
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts accepting. Returns an error message, or "" on success.
  std::string start(const ListenAddress& address);
  // The bound address (the real port when 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Stops accepting and closes idle connections; requests in progress finish and their
  // connections then close.
  void stop() { listener_.stop(); }
  std::size_t open_connections() const { return listener_.open_connections(); }

 private:
  boost::asio::awaitable<void> serve(std::shared_ptr<HttpConnection> connection);

  const AdminRoutes& routes_;
  Metrics& metrics_;
  const AdminServerOptions options_;
  HttpListener listener_;
  uint64_t oversized_requests_ = 0;
};

}  // namespace panguard::agent
