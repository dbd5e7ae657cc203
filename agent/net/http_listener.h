// The loopback TCP listener shared by the admin API and the Vault proxy: binds, accepts until
// stop(), refuses connections over a cap, runs one coroutine per connection, and tracks them so
// stop() closes the idle ones and the drain can wait for the rest. Used only on its io thread,
// except open_connections(), which any thread may read.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace panguard::agent {

struct HttpConnection {
  explicit HttpConnection(boost::asio::ip::tcp::socket socket) : stream(std::move(socket)) {}
  boost::beast::tcp_stream stream;
  bool busy = false;  // between reading a request and writing its response
};

// kShared sets SO_REUSEPORT: several listeners, one per io thread, bind one port and the kernel
// spreads new connections over them. Only sockets of the same user can join the group.
enum class PortSharing { kExclusive, kShared };

class HttpListener {
 public:
  using Serve = std::function<boost::asio::awaitable<void>(std::shared_ptr<HttpConnection>)>;

  // `name` prefixes log lines ("admin", "vault proxy"); `on_refused` counts a connection
  // refused over the cap (a drop metric).
  HttpListener(boost::asio::io_context& io, std::string name, std::size_t max_connections,
               std::function<void()> on_refused);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and starts accepting; each connection runs `serve`. Returns an error message naming
  // `config_key`, or "" on success.
  std::string start(const ListenAddress& address, std::string_view config_key, Serve serve,
                    PortSharing sharing = PortSharing::kExclusive);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Stops accepting and closes idle connections; requests in progress finish first.
  void stop();
  bool stopping() const { return stopping_; }
  std::size_t open_connections() const { return open_connections_.load(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> run(std::shared_ptr<HttpConnection> connection);

  boost::asio::io_context& io_;
  const std::string name_;
  const std::size_t max_connections_;
  const std::function<void()> on_refused_;
  Serve serve_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<HttpConnection>> connections_;
  std::atomic<std::size_t> open_connections_{0};  // connections_.size(), for other threads
  bool stopping_ = false;
  uint64_t refused_ = 0;
};

}  // namespace panguard::agent
