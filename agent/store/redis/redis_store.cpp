#include "agent/store/redis/redis_store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "agent/store/redis/rate_batcher.h"
#include "agent/store/redis/store_replies.h"
#include "agent/store/redis/store_scripts.h"

namespace panguard::agent {
namespace {

using rules::StoreFailureMode;

constexpr int64_t kNsPerUs = 1'000;
constexpr int64_t kNsPerMs = 1'000'000;
// GCRA state stays exact in a Lua double: TIME in µs is ~2^51 today, plus at most this.
constexpr uint64_t kMaxToleranceUs = uint64_t{1} << 50;
constexpr uint64_t kMaxIntervalUs = uint64_t{1} << 46;  // ~2.2 years between requests
constexpr int64_t kMaxWindowMs = int64_t{1} << 40;      // ~35 years
// A suppressed count waits this long after its window for the next first occurrence to carry
// it; past that it is dropped (the alert it belongs to was already reported).
constexpr int64_t kCarryGraceMs = 24 * 3600 * 1000;
// Refused while Redis is unusable under `closed`: long enough not to invite a retry storm.
constexpr int64_t kClosedRetryAfterNs = 1'000'000'000;
// The second dedup key: '%' followed by a non-hex letter never appears in an escaped key part
// (store_key.h), so no other counter key can end like this.
constexpr std::string_view kSuppressedSuffix = ":%suppressed";

std::string decimal(uint64_t value) { return std::to_string(value); }

std::string decimal(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("0");
}

StoreFailureMode resolve(StoreFailureMode call, StoreFailureMode configured) {
  if (call != StoreFailureMode::kDefault) return call;
  return configured == StoreFailureMode::kDefault ? StoreFailureMode::kClosed : configured;
}

int64_t window_ms(int64_t window_ns) {
  return std::clamp<int64_t>(window_ns / kNsPerMs, 1, kMaxWindowMs);
}

// ARGV of the GCRA script: emission interval T = period / count in µs (at least 1, so rates
// above 1,000,000/s per key are capped there) and the burst, trimmed so T * burst stays exact.
std::pair<std::string, std::string> gcra_args(const rules::RateLimit& limit) {
  const uint64_t count = std::max<uint64_t>(limit.rate_count, 1);
  const uint64_t interval_us =
      std::clamp<uint64_t>(limit.period_ns / count / kNsPerUs, 1, kMaxIntervalUs);
  const uint64_t burst = std::clamp<uint64_t>(limit.burst, 1, kMaxToleranceUs / interval_us);
  return {decimal(interval_us), decimal(burst)};
}

const char* failure_reason(const redis::Failure& failure) {
  switch (failure.kind) {
    case redis::FailureKind::kTimeout:
      return "redis call timed out";
    case redis::FailureKind::kDisconnected:
      return "no redis connection";
    case redis::FailureKind::kOverloaded:
      return "too many redis calls in flight";
    case redis::FailureKind::kStopped:
      return "redis client stopped";
  }
  return "redis call failed";
}

}  // namespace

struct RedisStore::Shared {
  explicit Shared(RedisStoreOptions opts)
      : options(std::move(opts)),
        health(
            options.degraded_report_period.count(), options.on_health,
            options.steady_clock ? options.steady_clock : [] {
              return std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                  .count();
            }) {}

  // Unwraps a script's result: the parsed decision, or nullopt after recording why there is
  // none (counters, health). A parsed reply also proves the store healthy.
  template <class Parse>
  auto decision(const redis::Result& result, Parse parse)
      -> decltype(parse(std::declval<const redis::Reply&>())) {
    if (const auto* failure = std::get_if<redis::Failure>(&result)) {
      record_failure(*failure);
      return std::nullopt;
    }
    auto parsed = parse(std::get<redis::Reply>(result));
    if (!parsed) {
      counters.bad_replies.fetch_add(1, std::memory_order_relaxed);
      health.on_failure(std::get<redis::Reply>(result).type == redis::Reply::Type::kError
                            ? "redis answered a counter script with an error"
                            : "redis answered a counter script with an unexpected reply");
      return std::nullopt;
    }
    health.on_success();
    return parsed;
  }

  void record_failure(const redis::Failure& failure) {
    switch (failure.kind) {
      case redis::FailureKind::kTimeout:
        counters.timeouts.fetch_add(1, std::memory_order_relaxed);
        break;
      case redis::FailureKind::kDisconnected:
        counters.disconnected.fetch_add(1, std::memory_order_relaxed);
        break;
      case redis::FailureKind::kOverloaded:
        counters.overloaded.fetch_add(1, std::memory_order_relaxed);
        break;
      case redis::FailureKind::kStopped:
        counters.stopped.fetch_add(1, std::memory_order_relaxed);
        break;
    }
    health.on_failure(failure_reason(failure));
  }

  RateDecision rate_by_failure_mode(std::string_view key, const rules::RateLimit& limit,
                                    StoreFailureMode mode, int64_t now_ns) {
    RateDecision decision;
    switch (mode) {
      case StoreFailureMode::kOpen:
        counters.rate_open.fetch_add(1, std::memory_order_relaxed);
        decision.allowed = true;
        break;
      case StoreFailureMode::kLocal:
        counters.rate_local.fetch_add(1, std::memory_order_relaxed);
        decision = local.decide_rate(key, local_share(limit, options.expected_nodes), now_ns);
        break;
      case StoreFailureMode::kDefault:  // resolved before the call; deny if it ever is not
      case StoreFailureMode::kClosed:
        counters.rate_closed.fetch_add(1, std::memory_order_relaxed);
        decision.allowed = false;
        decision.retry_after_ns = kClosedRetryAfterNs;
        break;
    }
    decision.source = DecisionSource::kFailureMode;
    return decision;
  }

  const RedisStoreOptions options;
  StoreHealth health;
  StoreCounters counters;
  MemoryStore local;  // the `local` failure mode's per-node counters
  std::shared_ptr<redis::RateBatcher> batcher;
  std::atomic<bool> probe_in_flight{false};
};

RedisStore::RedisStore(redis::Executor& redis, RedisStoreOptions options)
    : redis_(redis), shared_(std::make_shared<Shared>(std::move(options))) {
  shared_->batcher = redis::RateBatcher::create(redis_, shared_->options.batch_across_slots);
  if (shared_->options.probe_interval.count() > 0) {
    probe_thread_ = std::thread([this] { run_probe(); });
  }
}

RedisStore::~RedisStore() {
  {
    std::lock_guard lock(probe_mutex_);
    stopping_ = true;
  }
  probe_wake_.notify_all();
  if (probe_thread_.joinable()) probe_thread_.join();
}

rules::RateLimit RedisStore::local_share(const rules::RateLimit& limit, uint32_t expected_nodes) {
  // rate / n as count per (period * n): exact, where dividing the count would round 5/s over
  // 3 nodes down to 1/s.
  const uint64_t nodes = std::max<uint32_t>(expected_nodes, 1);
  rules::RateLimit share = limit;
  share.rate_count = std::max<uint64_t>(limit.rate_count, 1);
  share.period_ns = limit.period_ns > std::numeric_limits<uint64_t>::max() / nodes
                        ? std::numeric_limits<uint64_t>::max()
                        : limit.period_ns * nodes;
  share.burst = std::max<uint64_t>(limit.burst / nodes, 1);
  return share;
}

void RedisStore::check_rate(std::string key, const rules::RateLimit& limit,
                            rules::StoreFailureMode failure, int64_t now_ns,
                            StoreCompletion<RateDecision> done) {
  shared_->counters.calls.fetch_add(1, std::memory_order_relaxed);
  const StoreFailureMode mode = resolve(failure, shared_->options.failure_mode);
  auto [interval_us, burst] = gcra_args(limit);
  // The key is only needed again for the `local` fallback; keep it then, and only then.
  std::string fallback_key = mode == StoreFailureMode::kLocal ? key : std::string();
  // The numbers only: copying the limit's key field list would allocate on every call.
  const rules::RateLimit numbers{{}, limit.rate_count, limit.period_ns, limit.burst};
  shared_->batcher->submit(
      redis::RateCheck{std::move(key), std::move(interval_us), std::move(burst),
                       [shared = shared_, fallback_key = std::move(fallback_key), numbers, mode,
                        now_ns, done = std::move(done)](redis::Result result) {
                         if (auto decision = shared->decision(result, redis::parse_rate_reply)) {
                           done(*decision);
                         } else {
                           done(shared->rate_by_failure_mode(fallback_key, numbers, mode, now_ns));
                         }
                       }});
}

void RedisStore::add_usage(std::string key, const QuotaWindow& window, double amount,
                           int64_t now_ns, StoreCompletion<QuotaUsage> done) {
  shared_->counters.calls.fetch_add(1, std::memory_order_relaxed);
  if (!std::isfinite(amount) || amount < 0) {
    // A caller bug, never sent: it reads the window's usage as an amount of 0 would.
    shared_->counters.invalid_amounts.fetch_add(1, std::memory_order_relaxed);
    amount = 0;
  }
  // A limit that is NaN or negative makes every window "over"; +inf never is.
  const double limit = std::isnan(window.limit) || window.limit < 0
                           ? 0
                           : std::min(window.limit, std::numeric_limits<double>::max());
  std::vector<std::string> keys{key};
  std::vector<std::string> args{std::to_string(window_ms(window.window_ns)), decimal(amount),
                                decimal(limit)};
  redis_.eval(redis::quota_script(), std::move(keys), std::move(args),
              [shared = shared_, key = std::move(key), window, amount, now_ns,
               done = std::move(done)](redis::Result result) {
                const auto parse = [&window](const redis::Reply& reply) {
                  return redis::parse_quota_reply(reply, window.sustain_windows);
                };
                if (auto usage = shared->decision(result, parse)) {
                  done(*usage);
                  return;
                }
                shared->counters.usage_local.fetch_add(1, std::memory_order_relaxed);
                QuotaUsage usage = shared->local.decide_usage(key, window, amount, now_ns);
                usage.source = DecisionSource::kFailureMode;
                done(usage);
              });
}

void RedisStore::dedup(std::string key, int64_t window_ns, int64_t /*now_ns*/,
                       StoreCompletion<DedupDecision> done) {
  shared_->counters.calls.fetch_add(1, std::memory_order_relaxed);
  const int64_t window = window_ms(window_ns);
  std::string suppressed_key = key;
  suppressed_key += kSuppressedSuffix;
  std::vector<std::string> keys{std::move(key), std::move(suppressed_key)};
  std::vector<std::string> args{std::to_string(window), std::to_string(window + kCarryGraceMs)};
  redis_.eval(redis::dedup_script(), std::move(keys), std::move(args),
              [shared = shared_, done = std::move(done)](redis::Result result) {
                if (auto decision = shared->decision(result, redis::parse_dedup_reply)) {
                  done(*decision);
                  return;
                }
                // An alert is never lost to dedup: without the store, every occurrence reports.
                shared->counters.dedup_reported.fetch_add(1, std::memory_order_relaxed);
                DedupDecision decision;
                decision.source = DecisionSource::kFailureMode;
                done(decision);
              });
}

bool RedisStore::healthy() const { return shared_->health.healthy(); }

const StoreCounters& RedisStore::counters() const { return shared_->counters; }

const StoreHealth& RedisStore::health() const { return shared_->health; }

void RedisStore::run_probe() {
  std::unique_lock lock(probe_mutex_);
  while (
      !probe_wake_.wait_for(lock, shared_->options.probe_interval, [this] { return stopping_; })) {
    shared_->health.tick();
    if (shared_->health.healthy() || shared_->probe_in_flight.exchange(true)) continue;
    shared_->counters.probes.fetch_add(1, std::memory_order_relaxed);
    // Sent under probe_mutex_: the destructor cannot finish (and `redis_` go away) meanwhile.
    redis_.execute({"PING"}, std::string(), [shared = shared_](redis::Result result) {
      const auto* reply = std::get_if<redis::Reply>(&result);
      if (reply && reply->type == redis::Reply::Type::kStatus && reply->text == "PONG") {
        shared->health.on_success();
      }
      shared->probe_in_flight.store(false);
    });
  }
}

}  // namespace panguard::agent
