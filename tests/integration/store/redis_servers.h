// Real Redis servers for store tests: one redis-server, or a local 3-master Redis Cluster, on
// free loopback ports in a temporary directory, killed (SIGKILL) and removed on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace panguard::agent::testing {

class RedisServer {
 public:
  // Starts redis-server (no persistence, loopback only) and waits until it answers PING.
  // Throws std::runtime_error with the server's log when it does not come up.
  static std::unique_ptr<RedisServer> start(bool cluster_enabled = false);
  ~RedisServer();

  uint16_t port() const;
  void kill();     // SIGKILL, waits for exit; the port stays reserved for restart()
  void restart();  // same port, empty data; waits for PING
  bool running() const;
  // Runs redis-cli -p port <args...>, returns its stdout (trimmed). For DEBUG SLEEP, CLIENT
  // KILL, FLUSHALL, CLUSTER ... in tests.
  std::string cli(const std::vector<std::string>& args) const;

 private:
  struct Impl;
  explicit RedisServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RedisCluster {
 public:
  // Three masters, no replicas, `redis-cli --cluster create ... --cluster-yes`; waits until
  // CLUSTER INFO says cluster_state:ok on every node.
  static std::unique_ptr<RedisCluster> start();
  ~RedisCluster();

  std::vector<uint16_t> ports() const;
  RedisServer& node(std::size_t i);
  // Moves one hash slot (with its keys) from its owner to another master, using
  // CLUSTER SETSLOT IMPORTING/MIGRATING + MIGRATE + SETSLOT NODE, to exercise MOVED and ASK.
  // Stops half-way (slot MIGRATING on the source, IMPORTING on the target, keys moved) when
  // `finish` is false, so the next access to a moved key gets ASK.
  void move_slot(int slot, std::size_t to_node, bool finish = true);
  std::size_t owner_of(int slot) const;

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace panguard::agent::testing
