#include "agent/store/redis/cluster_slots.h"

#include <gtest/gtest.h>

namespace panguard::agent::redis {
namespace {

Reply integer(int64_t value) {
  Reply reply;
  reply.type = Reply::Type::kInteger;
  reply.integer = value;
  return reply;
}

Reply string(std::string text) {
  Reply reply;
  reply.type = Reply::Type::kString;
  reply.text = std::move(text);
  return reply;
}

Reply array(std::vector<Reply> elements) {
  Reply reply;
  reply.type = Reply::Type::kArray;
  reply.elements = std::move(elements);
  return reply;
}

Reply slot_entry(int64_t first, int64_t last, std::string host, int64_t port) {
  return array({integer(first), integer(last),
                array({string(std::move(host)), integer(port), string("nodeid")}),
                array({string("10.0.0.9"), integer(7000), string("replicaid")})});
}

TEST(ClusterSlotsTest, Crc16MatchesTheSpecReferenceValue) {
  // The Redis Cluster spec: the CRC16 of "123456789" is 0x31C3.
  EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
  EXPECT_EQ(crc16_xmodem(""), 0);
}

TEST(ClusterSlotsTest, KnownKeySlots) {
  // Values as printed by CLUSTER KEYSLOT on a real server.
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("somekey"), 11058);
  EXPECT_EQ(key_slot(""), 0);
}

TEST(ClusterSlotsTest, HashTagSelectsTheSlot) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("pg:{tenant-a}:rate:x"), key_slot("tenant-a"));
  // Only the first '{' counts, and the tag ends at the first '}' after it.
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
}

TEST(ClusterSlotsTest, EmptyOrUnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16_xmodem("foo{}{bar}") % kSlotCount);
  EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{bar"), crc16_xmodem("foo{bar") % kSlotCount);
  EXPECT_EQ(key_slot("foo}bar{"), crc16_xmodem("foo}bar{") % kSlotCount);
}

TEST(ClusterSlotsTest, KeysAreBinary) {
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(key_slot(with_nul), crc16_xmodem(with_nul) % kSlotCount);
  EXPECT_NE(key_slot(with_nul), key_slot("a"));
}

TEST(ClusterSlotsTest, ParsesClusterSlots) {
  const Reply reply =
      array({slot_entry(0, 5460, "127.0.0.1", 7000), slot_entry(5461, 10922, "127.0.0.1", 7001),
             slot_entry(10923, 16383, "", 7002)});
  const auto ranges = parse_cluster_slots(reply, "10.1.1.1");
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[1].master, (NodeAddress{"127.0.0.1", 7001}));
  EXPECT_EQ((*ranges)[2].master, (NodeAddress{"10.1.1.1", 7002}));  // empty host: the asked node

  SlotMap map;
  map.assign(*ranges);
  ASSERT_NE(map.owner(0), nullptr);
  EXPECT_EQ(map.owner(0)->port, 7000);
  EXPECT_EQ(map.owner(5460)->port, 7000);
  EXPECT_EQ(map.owner(5461)->port, 7001);
  EXPECT_EQ(map.owner(16383)->port, 7002);
  EXPECT_EQ(map.owner(16384), nullptr);
  EXPECT_EQ(map.owner(-1), nullptr);
  EXPECT_EQ(map.masters().size(), 3u);
}

TEST(ClusterSlotsTest, RejectsMalformedClusterSlots) {
  EXPECT_FALSE(parse_cluster_slots(string("nope"), "h"));
  EXPECT_FALSE(parse_cluster_slots(array({array({integer(0), integer(5)})}), "h"));
  EXPECT_FALSE(parse_cluster_slots(array({slot_entry(10, 5, "h", 1)}), "h"));     // first > last
  EXPECT_FALSE(parse_cluster_slots(array({slot_entry(0, 16384, "h", 1)}), "h"));  // slot range
  EXPECT_FALSE(parse_cluster_slots(array({slot_entry(-1, 5, "h", 1)}), "h"));
  EXPECT_FALSE(parse_cluster_slots(array({slot_entry(0, 5, "h", 0)}), "h"));  // port
  EXPECT_FALSE(parse_cluster_slots(array({slot_entry(0, 5, "h", 70000)}), "h"));
  EXPECT_FALSE(parse_cluster_slots(
      array({array({integer(0), integer(5), array({integer(1), integer(2)})})}), "h"));
  // No slots assigned at all is valid (a fresh node): the map is simply empty.
  const auto none = parse_cluster_slots(array({}), "h");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ClusterSlotsTest, ParsesMovedAndAsk) {
  const auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->kind, Redirect::Kind::kMoved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->target, (NodeAddress{"127.0.0.1", 6381}));

  const auto ask = parse_redirect("ASK 0 redis-2.internal:7000");
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Redirect::Kind::kAsk);
  EXPECT_EQ(ask->slot, 0);
  EXPECT_EQ(ask->target, (NodeAddress{"redis-2.internal", 7000}));

  const auto ipv6 = parse_redirect("MOVED 16383 ::1:7001");
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->target, (NodeAddress{"::1", 7001}));
}

TEST(ClusterSlotsTest, RejectsMalformedRedirects) {
  for (const char* bad :
       {"", "MOVED", "MOVED ", "MOVED 12", "MOVED 12 host", "MOVED 12 host:", "MOVED 12 :7000",
        "MOVED 16384 h:1", "MOVED -1 h:1", "MOVED x h:1", "MOVED 1 h:0", "MOVED 1 h:65536",
        "MOVED 1 h:7000x", "MOVED 1 h:7000 extra", "moved 1 h:1", "ASKING 1 h:1", "ERR MOVED 1 h:1",
        "NOSCRIPT No matching script"}) {
    EXPECT_FALSE(parse_redirect(bad)) << bad;
  }
}

TEST(ClusterSlotsTest, MovedUpdatesOneSlot) {
  SlotMap map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.owner(5), nullptr);
  map.assign({SlotRange{0, 16383, NodeAddress{"a", 1}}});
  map.set(5, NodeAddress{"b", 2});
  EXPECT_EQ(map.owner(5)->host, "b");
  EXPECT_EQ(map.owner(4)->host, "a");
  EXPECT_EQ(map.owner(6)->host, "a");
  EXPECT_EQ(map.masters().size(), 2u);
  map.assign({SlotRange{0, 16383, NodeAddress{"a", 1}}});
  EXPECT_EQ(map.owner(5)->host, "a");
  EXPECT_EQ(map.masters().size(), 1u);
}

}  // namespace
}  // namespace panguard::agent::redis
