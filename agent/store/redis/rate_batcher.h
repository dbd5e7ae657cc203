// Coalesces concurrent GCRA checks bound for one hash slot (every slot, against a single server)
// into one EVALSHA of the batch script: one TIME, one round trip and one command to format for
// up to kMaxBatch decisions. Self-clocked like a group commit: a check is sent at once while its
// group has fewer than kMaxInFlight batches in flight, so a lone request never waits; under load
// the checks that arrive meanwhile ride in the next batch, sent as soon as one comes back. When
// a batch fails (timeout, no connection) the checks queued behind it fail with it, so no check
// is answered later than one command timeout after it was submitted plus one batch round trip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/store/redis/redis_executor.h"

namespace panguard::agent::redis {

struct RateCheck {
  std::string key;
  std::string interval_us;
  std::string burst;
  // This check's own {allowed, remaining, retry_after_us} reply, the batch's error reply or
  // unexpected reply as is, or the batch's failure. Runs on the executor's thread.
  ResultHandler done;
};

class RateBatcher : public std::enable_shared_from_this<RateBatcher> {
 public:
  static constexpr std::size_t kMaxBatch = 64;
  static constexpr int kMaxInFlight = 4;

  // Groups by hash slot (a cluster script's keys must share one) unless `across_slots`, which
  // only a single server allows. Shared ownership: completions keep the batcher alive.
  static std::shared_ptr<RateBatcher> create(Executor& redis, bool across_slots);

  void submit(RateCheck check);

 private:
  RateBatcher(Executor& redis, bool across_slots) : redis_(redis), across_slots_(across_slots) {}

  struct Group {
    std::deque<RateCheck> queued;
    int in_flight = 0;
  };

  void send(int group, std::vector<RateCheck> batch);
  // Under the lock: the group's next batch, or empty (then in_flight is already released).
  std::vector<RateCheck> next_batch(Group& group);

  Executor& redis_;
  const bool across_slots_;
  std::mutex mutex_;
  std::unordered_map<int, Group> groups_;
};

// Splits a batch reply into per-check replies; nullopt when its shape is not 3 integers per
// check (then every check gets the batch reply and reads it as unexpected).
std::optional<std::vector<Reply>> split_batch_reply(const Reply& reply, std::size_t checks);

}  // namespace panguard::agent::redis
