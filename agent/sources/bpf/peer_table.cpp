#include "agent/sources/bpf/peer_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#if PANGUARD_HAVE_BPF
#include <bpf/bpf.h>

#include "panguard_events.h"
#endif

namespace panguard::agent::sensor {

PeerTable::PeerTable(int peers_fd, int proxy_ports_fd, uint32_t netns)
    : peers_fd_(peers_fd), proxy_ports_fd_(proxy_ports_fd), netns_(netns) {}

PeerTable::~PeerTable() {
  if (peers_fd_ >= 0) ::close(peers_fd_);
  if (proxy_ports_fd_ >= 0) ::close(proxy_ports_fd_);
}

std::shared_ptr<PeerTable> PeerTable::share(int peers_fd, int proxy_ports_fd) {
  struct stat netns {};
  if (::stat("/proc/self/ns/net", &netns) != 0) return nullptr;
  const int peers = ::fcntl(peers_fd, F_DUPFD_CLOEXEC, 0);
  const int ports = peers < 0 ? -1 : ::fcntl(proxy_ports_fd, F_DUPFD_CLOEXEC, 0);
  if (ports < 0) {
    if (peers >= 0) ::close(peers);
    return nullptr;
  }
  return std::shared_ptr<PeerTable>(
      new PeerTable(peers, ports, static_cast<uint32_t>(netns.st_ino)));
}

#if PANGUARD_HAVE_BPF

namespace {

// Fills family, port and address as peer.bpf.c does: IPv4-mapped IPv6 becomes IPv4.
void put_endpoint(const boost::asio::ip::tcp::endpoint& endpoint, uint16_t& port, uint8_t* addr,
                  uint16_t& family) {
  port = endpoint.port();
  boost::asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  if (address.is_v4()) {
    family = PG_AF_INET;
    const auto bytes = address.to_v4().to_bytes();
    std::memcpy(addr, bytes.data(), bytes.size());
  } else {
    family = PG_AF_INET6;
    const auto bytes = address.to_v6().to_bytes();
    std::memcpy(addr, bytes.data(), bytes.size());
  }
}

}  // namespace

std::string PeerTable::watch_port(uint16_t port) const {
  const uint8_t on = 1;
  if (bpf_map_update_elem(proxy_ports_fd_, &port, &on, BPF_ANY) != 0) {
    return "proxy port " + std::to_string(port) + ": " + std::strerror(errno);
  }
  return "";
}

std::optional<PeerOrigin> PeerTable::lookup(const FourTuple& tuple) const {
  pg_peer_key key{};  // zeroed: padding and unused address bytes are part of the key
  key.netns = netns_;
  uint16_t source_family = 0;
  uint16_t destination_family = 0;
  put_endpoint(tuple.source, key.sport, key.saddr, source_family);
  put_endpoint(tuple.destination, key.dport, key.daddr, destination_family);
  if (source_family != destination_family) return std::nullopt;
  key.family = source_family;
  pg_peer_origin origin{};
  if (bpf_map_lookup_elem(peers_fd_, &key, &origin) != 0) return std::nullopt;
  return PeerOrigin{origin.cgroup_id, origin.tgid};
}

#else  // !PANGUARD_HAVE_BPF: share() is never reached without a running sensor.

std::string PeerTable::watch_port(uint16_t) const { return "this build has no eBPF support"; }
std::optional<PeerOrigin> PeerTable::lookup(const FourTuple&) const { return std::nullopt; }

#endif

}  // namespace panguard::agent::sensor
