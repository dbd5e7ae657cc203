#include "agent/vault_audit/audit_listener.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "agent/log/log.h"

namespace panguard::agent {
namespace {

namespace asio = boost::asio;
using GenericEndpoint = asio::generic::stream_protocol::endpoint;

// The kernel's port for a bound TCP endpoint (the config may have asked for port 0).
uint16_t bound_port(const GenericEndpoint& endpoint) {
  if (endpoint.data()->sa_family == AF_INET) {
    sockaddr_in address{};
    std::memcpy(&address, endpoint.data(), sizeof address);
    return ntohs(address.sin_port);
  }
  sockaddr_in6 address{};
  std::memcpy(&address, endpoint.data(), sizeof address);
  return ntohs(address.sin6_port);
}

// True when something accepts connections on the socket file: it is not a stale leftover.
bool socket_in_use(asio::io_context& io, const std::string& path) {
  asio::local::stream_protocol::socket probe(io);
  boost::system::error_code ec;
  probe.connect(asio::local::stream_protocol::endpoint(path), ec);
  return !ec;
}

}  // namespace

AuditListener::AuditListener(asio::io_context& io, vault::BoundedRecordQueue& queue,
                             AuditDropCounts& drops, AuditListenerOptions options)
    : io_(io), queue_(queue), drops_(drops), options_(options), acceptor_(io) {}

AuditListener::~AuditListener() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  remove_socket_file();
}

std::string AuditListener::start(const AuditListenAddress& listen) {
  std::string error = listen.tcp ? bind_tcp(*listen.tcp) : bind_unix(listen.unix_path);
  if (!error.empty()) return "vault_audit.listen: " + error;
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return "";
}

std::string AuditListener::bind_unix(const std::string& path) {
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    // Never replace a file that is not a socket: a typo must not delete someone's data.
    if (!S_ISSOCK(existing.st_mode)) return path + " exists and is not a socket";
    if (socket_in_use(io_, path)) return path + " is in use by another listener";
    if (::unlink(path.c_str()) != 0) {
      return "cannot remove stale socket " + path + ": " + std::strerror(errno);
    }
    log::info("vault audit: removed stale socket ", path);
  }
  const GenericEndpoint endpoint{asio::local::stream_protocol::endpoint(path)};
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    // Startup is single-threaded, so the process-wide umask can be narrowed around bind: the
    // socket file never exists with wider permissions than 0600.
    const mode_t previous = ::umask(0177);
    acceptor_.bind(endpoint, ec);
    ::umask(previous);
  }
  if (ec) return "cannot bind " + path + ": " + ec.message();
  unix_path_ = path;
  if (::chmod(path.c_str(), 0600) != 0) return "cannot chmod " + path + ": " + std::strerror(errno);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + path + ": " + ec.message();
  bound_ = "unix:" + path;
  return "";
}

std::string AuditListener::bind_tcp(const ListenAddress& address) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return "bad address " + address.host;
  const GenericEndpoint endpoint{asio::ip::tcp::endpoint(ip, address.port)};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + address.to_string() + ": " + ec.message();
  const GenericEndpoint local = acceptor_.local_endpoint(ec);
  if (ec) return "cannot read the bound port: " + ec.message();
  bound_ = "tcp:" + ListenAddress{address.host, bound_port(local)}.to_string();
  return "";
}

std::string AuditListener::bound_address() const { return bound_; }

void AuditListener::stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (const auto& socket : connections_) socket->close(ignored);
  remove_socket_file();
}

void AuditListener::remove_socket_file() {
  if (unix_path_.empty()) return;
  struct stat existing {};
  // Only a socket: if someone replaced the path meanwhile, it is not ours to delete.
  if (::lstat(unix_path_.c_str(), &existing) == 0 && S_ISSOCK(existing.st_mode)) {
    ::unlink(unix_path_.c_str());
  }
  unix_path_.clear();
}

asio::awaitable<void> AuditListener::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    Socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      log::warning("vault audit: accept failed: ", ec.message());
      continue;
    }
    if (connections_.size() >= options_.max_connections) {
      drops_.connection_refused();
      if (log::should_log_occurrence(++refused_connections_)) {
        log::warning("vault audit: connection refused, ", options_.max_connections,
                     " already open (", refused_connections_, " refused so far)");
      }
      socket.close(ec);
      continue;
    }
    auto connection = std::make_shared<Socket>(std::move(socket));
    connections_.insert(connection);
    asio::co_spawn(io_, serve(connection), asio::detached);
  }
}

asio::awaitable<void> AuditListener::serve(std::shared_ptr<Socket> socket) {
  log::debug("vault audit: connection opened (", connections_.size(), " open)");
  vault::AuditFramer framer({options_.max_record_bytes, ""});
  const auto on_record = [this](std::string_view record) {
    // push() never waits; a full queue costs this record, never Vault's time.
    if (queue_.push(std::string(record)) == vault::PushResult::kDroppedFull) drops_.queue_full();
  };
  const auto on_error = [this](const vault::FramingError& error) {
    drops_.bad_framing();
    log::debug("vault audit: ", error.message);
  };
  std::vector<char> buffer(options_.read_chunk_bytes);
  boost::system::error_code ec;
  // No read deadline: Vault keeps its connection open and idle between requests, and closing
  // it would make Vault lose the record it writes next.
  while (!ec) {
    const std::size_t n = co_await socket->async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    framer.feed(std::string_view(buffer.data(), n), on_record, on_error);
  }
  framer.finish(on_error);
  socket->close(ec);
  connections_.erase(socket);
  log::debug("vault audit: connection closed (", connections_.size(), " open)");
}

}  // namespace panguard::agent
