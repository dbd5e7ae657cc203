// The kernel's record of who connected to the agent's own listeners (bpf/peer.bpf.c): the
// pg_peers map, read by 4-tuple, and pg_proxy_ports, the listening ports it records for. It holds
// its own copies of the map fds, so a lookup stays valid (and merely finds nothing new) after
// the sensor stops; every call is one bpf(2) syscall, safe from any thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace panguard::agent::sensor {

// A TCP connection as its connecting side sees it: source = the client's address, destination =
// the address it connected to. From an accepted socket: remote endpoint, local endpoint.
struct FourTuple {
  boost::asio::ip::tcp::endpoint source;
  boost::asio::ip::tcp::endpoint destination;
};

// The task that called connect(), in the host pid namespace.
struct PeerOrigin {
  uint64_t cgroup_id = 0;
  uint32_t tgid = 0;
};

class PeerTable {
 public:
  // Duplicates both fds (a map lives while any fd refers to it). Null when dup() fails.
  static std::shared_ptr<PeerTable> share(int peers_fd, int proxy_ports_fd);
  ~PeerTable();
  PeerTable(const PeerTable&) = delete;
  PeerTable& operator=(const PeerTable&) = delete;

  // Records connections to `port` from now on (connections made before are not known).
  // "" or why not.
  std::string watch_port(uint16_t port) const;

  // Connections made in this process's network namespace only: a tuple from another namespace
  // (another pod's loopback) is a different connection.
  std::optional<PeerOrigin> lookup(const FourTuple& tuple) const;

 private:
  PeerTable(int peers_fd, int proxy_ports_fd, uint32_t netns);
  int peers_fd_;
  int proxy_ports_fd_;
  uint32_t netns_;  // inode of /proc/self/ns/net
};

}  // namespace panguard::agent::sensor
