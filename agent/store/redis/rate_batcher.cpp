#include "agent/store/redis/rate_batcher.h"

#include <iterator>

#include "agent/store/redis/cluster_slots.h"
#include "agent/store/redis/store_scripts.h"

namespace panguard::agent::redis {

std::shared_ptr<RateBatcher> RateBatcher::create(Executor& redis, bool across_slots) {
  return std::shared_ptr<RateBatcher>(new RateBatcher(redis, across_slots));
}

void RateBatcher::submit(RateCheck check) {
  const int group_id = across_slots_ ? 0 : key_slot(check.key);
  std::vector<RateCheck> batch;
  {
    std::lock_guard lock(mutex_);
    Group& group = groups_[group_id];
    if (group.in_flight >= kMaxInFlight) {
      group.queued.push_back(std::move(check));
      return;
    }
    ++group.in_flight;
    batch.push_back(std::move(check));
  }
  // Outside the lock: an executor may answer inline, and the answer takes the lock.
  send(group_id, std::move(batch));
}

std::vector<RateCheck> RateBatcher::next_batch(Group& group) {
  std::vector<RateCheck> batch;
  if (group.queued.empty()) {
    --group.in_flight;
    return batch;
  }
  const std::size_t size = std::min(group.queued.size(), kMaxBatch);
  batch.reserve(size);
  for (std::size_t i = 0; i < size; ++i) {
    batch.push_back(std::move(group.queued.front()));
    group.queued.pop_front();
  }
  return batch;
}

void RateBatcher::send(int group_id, std::vector<RateCheck> batch) {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  keys.reserve(batch.size());
  args.reserve(2 * batch.size());
  for (RateCheck& check : batch) {
    keys.push_back(check.key);
    args.push_back(std::move(check.interval_us));
    args.push_back(std::move(check.burst));
  }
  auto checks = std::make_shared<std::vector<RateCheck>>(std::move(batch));
  redis_.eval(gcra_script(), std::move(keys), std::move(args),
              [self = shared_from_this(), group_id, checks](Result result) {
                // Refill first, so the next batch is on the wire before these callbacks run. A
                // failure (timeout, no connection) answers the queued checks too: they waited
                // behind this batch, and sending them now would answer them past their timeout.
                const bool failed = std::holds_alternative<Failure>(result);
                std::vector<RateCheck> next;
                {
                  std::lock_guard lock(self->mutex_);
                  Group& group = self->groups_[group_id];
                  if (failed) {
                    next.assign(std::make_move_iterator(group.queued.begin()),
                                std::make_move_iterator(group.queued.end()));
                    group.queued.clear();
                    --group.in_flight;
                  } else {
                    next = self->next_batch(group);
                  }
                }
                if (failed) {
                  for (RateCheck& check : next) check.done(result);
                } else if (!next.empty()) {
                  self->send(group_id, std::move(next));
                }

                const Reply* reply = std::get_if<Reply>(&result);
                const auto parts = reply ? split_batch_reply(*reply, checks->size())
                                         : std::optional<std::vector<Reply>>();
                for (std::size_t i = 0; i < checks->size(); ++i) {
                  RateCheck& check = (*checks)[i];
                  if (parts) {
                    check.done((*parts)[i]);
                  } else {
                    check.done(result);
                  }
                }
              });
}

std::optional<std::vector<Reply>> split_batch_reply(const Reply& reply, std::size_t checks) {
  if (reply.type != Reply::Type::kArray || reply.elements.size() != 3 * checks) {
    return std::nullopt;
  }
  std::vector<Reply> parts(checks);
  for (std::size_t i = 0; i < checks; ++i) {
    parts[i].type = Reply::Type::kArray;
    parts[i].elements.assign(reply.elements.begin() + static_cast<std::ptrdiff_t>(3 * i),
                             reply.elements.begin() + static_cast<std::ptrdiff_t>(3 * i + 3));
  }
  return parts;
}

}  // namespace panguard::agent::redis
