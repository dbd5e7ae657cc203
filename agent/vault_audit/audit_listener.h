// The socket side of the Vault audit watcher: accepts Vault's `socket` audit device on a Unix
// socket or a loopback TCP port, frames each connection's bytes into records and pushes them into
// the bounded queue. It never waits on rule evaluation, so Vault is never slowed by Panguard:
// when the queue is full the record is dropped and counted. Runs on the io thread only.
#pragma once

#include <utility>  // before Boost 1.74 awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "agent/config/config.h"
#include "agent/sources/vault/audit_stream.h"
#include "agent/vault_audit/audit_drops.h"

namespace panguard::agent {

struct AuditListenerOptions {
  std::size_t max_record_bytes = vault::kDefaultMaxRecordBytes;
  // Vault opens one connection per audit device and reconnects after an error; the cap only
  // stops a local process from exhausting descriptors.
  std::size_t max_connections = 16;
  std::size_t read_chunk_bytes = 64 * 1024;
};

class AuditListener {
 public:
  AuditListener(boost::asio::io_context& io, vault::BoundedRecordQueue& queue,
                AuditDropCounts& drops, AuditListenerOptions options);
  ~AuditListener();  // removes the Unix socket file it created
  AuditListener(const AuditListener&) = delete;
  AuditListener& operator=(const AuditListener&) = delete;

  // Binds and starts accepting. Returns an error message, or "".
  std::string start(const AuditListenAddress& listen);
  // What was bound, with the kernel's port for tcp port 0: "unix:/p" or "tcp:127.0.0.1:PORT".
  std::string bound_address() const;

  // Stops accepting and closes every connection; records already queued stay queued.
  void stop();
  std::size_t open_connections() const { return connections_.size(); }

 private:
  // One socket type for Unix and TCP: the protocol is chosen at bind time.
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;

  std::string bind_unix(const std::string& path);
  std::string bind_tcp(const ListenAddress& address);
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(std::shared_ptr<Socket> socket);
  void remove_socket_file();

  boost::asio::io_context& io_;
  vault::BoundedRecordQueue& queue_;
  AuditDropCounts& drops_;
  const AuditListenerOptions options_;
  Acceptor acceptor_;
  std::string unix_path_;  // the socket file this listener created, removed on stop
  std::string bound_;
  std::set<std::shared_ptr<Socket>> connections_;
  bool stopping_ = false;
  uint64_t refused_connections_ = 0;
};

}  // namespace panguard::agent
