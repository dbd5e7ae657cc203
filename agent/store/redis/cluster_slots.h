// Redis Cluster routing without sockets: which hash slot a key lives in, which master serves a
// slot (from CLUSTER SLOTS), and what a MOVED / ASK error asks for. Everything here parses
// server replies, so malformed input is rejected (nullopt), never trusted or asserted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/store/redis/redis_reply.h"

namespace panguard::agent::redis {

inline constexpr int kSlotCount = 16384;

struct NodeAddress {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
  bool operator==(const NodeAddress&) const = default;
};

// CRC16-XMODEM of the key, or of its hash tag: the bytes between the first '{' and the first
// '}' after it, when that is non-empty ("{user1000}.following" -> "user1000").
uint16_t crc16_xmodem(std::string_view data);
int key_slot(std::string_view key);

struct SlotRange {
  int first = 0;
  int last = 0;
  NodeAddress master;
};

// The CLUSTER SLOTS reply: [[first, last, [host, port, id, ...], replicas...], ...]. An empty
// host means "the node you asked", so `asked_host` fills it in.
std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply,
                                                          const std::string& asked_host);

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" (the host may be an IPv6 literal:
// the port follows the last ':').
struct Redirect {
  enum class Kind { kMoved, kAsk };
  Kind kind = Kind::kMoved;
  int slot = 0;
  NodeAddress target;
};
std::optional<Redirect> parse_redirect(std::string_view error);

// Slot -> master. Masters are few, slots many: a slot stores a small index into `masters()`.
class SlotMap {
 public:
  void assign(const std::vector<SlotRange>& ranges);
  void set(int slot, const NodeAddress& master);
  const NodeAddress* owner(int slot) const;  // nullptr: unknown (map empty or slot unassigned)
  bool empty() const { return masters_.empty(); }
  // Nodes that own at least one slot.
  std::vector<NodeAddress> masters() const;

 private:
  static constexpr uint16_t kNoOwner = 0xffff;
  uint16_t index_of(const NodeAddress& master);

  std::vector<NodeAddress> masters_;
  std::array<uint16_t, kSlotCount> owner_{};
  bool initialized_ = false;
};

}  // namespace panguard::agent::redis
