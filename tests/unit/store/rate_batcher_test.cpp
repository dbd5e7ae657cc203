#include "agent/store/redis/rate_batcher.h"

#include <gtest/gtest.h>

#include "agent/store/redis/cluster_slots.h"
#include "agent/store/redis/store_scripts.h"

namespace panguard::agent::redis {
namespace {

// Holds every eval until the test answers it, like a server with a long round trip.
class DeferredRedis : public Executor {
 public:
  struct Call {
    std::vector<std::string> keys;
    std::vector<std::string> args;
    ResultHandler done;
  };
  void execute(std::vector<std::string>, std::string, ResultHandler done) override {
    done(Failure{FailureKind::kDisconnected, "not used"});
  }
  void eval(const LuaScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            ResultHandler done) override {
    EXPECT_EQ(script.sha1(), gcra_script().sha1());
    calls.push_back({std::move(keys), std::move(args), std::move(done)});
  }
  bool connected() const override { return true; }

  // Answers call `i` with {allowed, remaining, i} per key, so each check can see its slice.
  void answer(std::size_t i) {
    Reply reply;
    reply.type = Reply::Type::kArray;
    for (std::size_t k = 0; k < calls[i].keys.size(); ++k) {
      for (int64_t value : {int64_t{1}, static_cast<int64_t>(k), static_cast<int64_t>(i)}) {
        Reply element;
        element.type = Reply::Type::kInteger;
        element.integer = value;
        reply.elements.push_back(element);
      }
    }
    auto done = std::move(calls[i].done);
    done(reply);
  }

  std::vector<Call> calls;
};

RateCheck check(const std::string& key, std::vector<Result>& results) {
  return RateCheck{key, "1000", "5", [&results](Result r) { results.push_back(std::move(r)); }};
}

TEST(RateBatcherTest, LoneChecksGoOutAtOnceAndLaterOnesRideTogether) {
  DeferredRedis redis;
  auto batcher = RateBatcher::create(redis, true);
  std::vector<Result> results;
  for (int i = 0; i < 10; ++i) batcher->submit(check("pg:{t" + std::to_string(i) + "}:k", results));
  // kMaxInFlight single checks are sent without waiting; the other six wait for a slot.
  ASSERT_EQ(redis.calls.size(), static_cast<std::size_t>(RateBatcher::kMaxInFlight));
  EXPECT_EQ(redis.calls[0].keys.size(), 1u);
  EXPECT_EQ(redis.calls[0].args, (std::vector<std::string>{"1000", "5"}));

  redis.answer(0);  // frees a slot: the six queued checks go out as one batch
  ASSERT_EQ(redis.calls.size(), 5u);
  EXPECT_EQ(redis.calls[4].keys.size(), 6u);
  EXPECT_EQ(redis.calls[4].keys[0], "pg:{t4}:k");
  EXPECT_EQ(redis.calls[4].args.size(), 12u);
  ASSERT_EQ(results.size(), 1u);

  redis.answer(4);
  ASSERT_EQ(results.size(), 7u);
  // Each check got its own three integers, in submission order.
  for (std::size_t k = 0; k < 6; ++k) {
    const Reply& reply = std::get<Reply>(results[1 + k]);
    ASSERT_EQ(reply.elements.size(), 3u);
    EXPECT_EQ(reply.elements[1].integer, static_cast<int64_t>(k));
    EXPECT_EQ(reply.elements[2].integer, 4);
  }
  for (std::size_t i = 1; i < 4; ++i) redis.answer(i);
  EXPECT_EQ(results.size(), 10u);
  EXPECT_EQ(redis.calls.size(), 5u) << "nothing left to send";
}

TEST(RateBatcherTest, AFailureOrAMisshapenReplyReachesEveryCheckOfTheBatch) {
  DeferredRedis redis;
  auto batcher = RateBatcher::create(redis, true);
  std::vector<Result> results;
  for (int i = 0; i < RateBatcher::kMaxInFlight + 3; ++i) batcher->submit(check("k", results));
  redis.answer(0);
  ASSERT_EQ(redis.calls.back().keys.size(), 3u);
  batcher->submit(check("k", results));  // queued behind the four in flight
  auto done = std::move(redis.calls.back().done);
  done(Failure{FailureKind::kTimeout, "deadline"});
  // The batch's three checks and the one queued behind it, at once: sending it now would
  // answer it a whole timeout late.
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(std::get<Failure>(results[4]).kind, FailureKind::kTimeout);
  EXPECT_EQ(redis.calls.size(), 5u);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(std::get<Failure>(results[i]).kind, FailureKind::kTimeout);
  }
  Reply short_reply;
  short_reply.type = Reply::Type::kArray;
  auto first = std::move(redis.calls[1].done);
  first(short_reply);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(std::get<Reply>(results.back()).elements.size(), 0u) << "passed on as is";
}

TEST(RateBatcherTest, AgainstAClusterOnlyKeysOfOneSlotShareABatch) {
  DeferredRedis redis;
  auto batcher = RateBatcher::create(redis, false);
  std::vector<Result> results;
  const std::string acme = "pg:{acme}:rule:r";
  const std::string globex = "pg:{globex}:rule:r";
  ASSERT_NE(key_slot(acme), key_slot(globex));
  for (int i = 0; i < RateBatcher::kMaxInFlight; ++i) batcher->submit(check(acme, results));
  batcher->submit(check(globex, results));  // its own group: sent at once
  batcher->submit(check(acme, results));    // queued behind acme's in-flight checks
  ASSERT_EQ(redis.calls.size(), 5u);
  EXPECT_EQ(redis.calls[4].keys, std::vector<std::string>{globex});
  redis.answer(0);
  ASSERT_EQ(redis.calls.size(), 6u);
  EXPECT_EQ(redis.calls[5].keys, std::vector<std::string>{acme});
}

TEST(RateBatcherTest, SplitsOnlyExactShapes) {
  Reply reply;
  reply.type = Reply::Type::kArray;
  reply.elements.resize(6);
  EXPECT_TRUE(split_batch_reply(reply, 2).has_value());
  EXPECT_FALSE(split_batch_reply(reply, 3).has_value());
  reply.type = Reply::Type::kError;
  EXPECT_FALSE(split_batch_reply(reply, 2).has_value());
}

}  // namespace
}  // namespace panguard::agent::redis
