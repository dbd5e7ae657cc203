// Counter store: every rate, quota and dedup counter lives here, never in the pipeline, keyed
// with the tenant as a hash tag ("pg:{tenant}:...", see store_key.h). Two implementations with
// the same semantics: MemoryStore (single node) and RedisStore (shared by every agent).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "rules/rule_pack.h"

namespace panguard::agent {

// How a decision was reached: by the shared store, or by the failure mode because the store
// could not answer in time (the caller may count these; the store reports degradation itself).
enum class DecisionSource { kStore, kFailureMode };

struct RateDecision {
  bool allowed = true;
  uint64_t remaining = 0;      // further requests allowed right now (when allowed)
  int64_t retry_after_ns = 0;  // when the next request would be allowed (when not allowed)
  DecisionSource source = DecisionSource::kStore;
};

// Fixed windows of `window_ns`, aligned on the store's clock. Usage is "sustained over quota"
// once `sustain_windows` consecutive windows (the current one included) each exceed `limit`.
struct QuotaWindow {
  int64_t window_ns = 60'000'000'000;
  double limit = 0;
  uint32_t sustain_windows = 3;
};

struct QuotaUsage {
  double window_total = 0;    // in the current window, this amount included
  uint32_t windows_over = 0;  // consecutive windows over the limit, ending with the current one
  bool sustained = false;     // windows_over >= sustain_windows
  DecisionSource source = DecisionSource::kStore;
};

// Alert dedup: the first occurrence of a key inside `window_ns` is reported, later ones are
// only counted. The first occurrence of the next window carries the previous window's count of
// suppressed occurrences, so nothing is lost and no per-key memory lives in the agent.
struct DedupDecision {
  bool report = true;                // first occurrence in the window: emit the alert
  uint64_t occurrences = 1;          // in the current window, this one included
  uint64_t suppressed_previous = 0;  // when report: occurrences suppressed before this one
  DecisionSource source = DecisionSource::kStore;
};

template <class T>
using StoreCompletion = std::function<void(T)>;

class Store {
 public:
  virtual ~Store() = default;

  // Each call completes exactly once: inline (in-process store) or later on the store's own
  // thread (Redis), never after the timeout. None blocks on the network. `now_ns` is the
  // caller's clock (event time in replay); the Redis store uses Redis TIME instead so that node
  // clocks do not matter.

  // GCRA: `limit.rate_count` per `limit.period_ns`, `limit.burst` at once. `failure` says what
  // to answer when the shared store cannot (never kDefault here: the caller resolves it).
  virtual void check_rate(std::string key, const rules::RateLimit& limit,
                          rules::StoreFailureMode failure, int64_t now_ns,
                          StoreCompletion<RateDecision> done) = 0;

  // Adds `amount` to the current window of `key`. On store failure: counted per node.
  virtual void add_usage(std::string key, const QuotaWindow& window, double amount, int64_t now_ns,
                         StoreCompletion<QuotaUsage> done) = 0;

  // On store failure: report (an alert is never lost to dedup).
  virtual void dedup(std::string key, int64_t window_ns, int64_t now_ns,
                     StoreCompletion<DedupDecision> done) = 0;

  // For /readyz and the degraded metric: false while the shared store is unreachable.
  virtual bool healthy() const = 0;
};

}  // namespace panguard::agent
