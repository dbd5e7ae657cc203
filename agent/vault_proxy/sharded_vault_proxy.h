// The inline Vault proxy as `vault.io_threads` shards. Shard 0 runs on the agent's main
// io_context like every other server; each further shard has an io_context and a thread of its
// own. Every shard is a whole VaultProxyServer (listener, upstream pool, JWT cache) on the one
// port, with SO_REUSEPORT so the kernel spreads new connections over the shards. What shards
// share is read-only (the rules) or thread-safe (pipeline, metrics, clock, client lookup): no
// request touches another shard's state, and a shard that stalls (preempted, waiting on a slow
// upstream read) holds up only its own connections.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "agent/vault_proxy/vault_proxy_server.h"

namespace panguard::agent {

class ShardedVaultProxy {
 public:
  ShardedVaultProxy(boost::asio::io_context& main_io, std::size_t shards,
                    std::shared_ptr<const VaultProxyRules> rules, Pipeline& pipeline,
                    Metrics& metrics, const TimeSource& clock, const VaultProxyOptions& options);
  ~ShardedVaultProxy();  // stops the other shards' loops and joins their threads
  ShardedVaultProxy(const ShardedVaultProxy&) = delete;
  ShardedVaultProxy& operator=(const ShardedVaultProxy&) = delete;

  // Binds every shard's listener; the first picks the port when vault.listen asks for port 0.
  // Nothing is served before serve(). Returns an error message, or "".
  std::string start(const ListenAddress& listen, const UpstreamAddress& upstream);
  boost::asio::ip::tcp::endpoint local_endpoint() const {
    return shards_.front()->local_endpoint();
  }
  std::size_t shard_count() const { return shards_.size(); }

  // Before serve(): every shard looks its accepted connections up with `lookup`.
  void set_client_lookup(const ClientLookup& lookup);

  // Starts the other shards' threads. Shard 0 serves once the main loop runs.
  void serve();

  // On the main io thread, or once its loop has stopped: every shard stops accepting and closes
  // its idle connections; requests in progress finish first.
  void stop();

  // Any thread: connections open on all shards together.
  std::size_t open_connections() const;

  // After the main loop has stopped: gives the other shards up to `grace` to finish what they
  // serve, then stops their loops and joins their threads.
  void join(std::chrono::milliseconds grace);

  // Connections open on one shard (tests: the kernel spreads them).
  std::size_t open_connections(std::size_t shard) const {
    return shards_.at(shard)->open_connections();
  }

 private:
  struct OwnLoop;  // a shard's io_context and thread

  boost::asio::io_context& main_io_;
  std::vector<std::unique_ptr<OwnLoop>> loops_;            // shards 1..N-1
  std::vector<std::unique_ptr<VaultProxyServer>> shards_;  // shard 0 on main_io_, then loops_
};

}  // namespace panguard::agent
