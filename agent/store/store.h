// Counter store: every rate, quota and dedup counter lives here, never in the pipeline, keyed
// with the tenant as a hash tag ("pg:{tenant}:..."). In-process now; Redis later.
#pragma once

#include <cstdint>
#include <string_view>

#include "rules/rule_pack.h"

namespace panguard::agent {

struct RateDecision {
  bool allowed = true;
  uint64_t remaining = 0;      // further requests allowed right now (when allowed)
  int64_t retry_after_ns = 0;  // when the next request would be allowed (when not allowed)
};

class Store {
 public:
  virtual ~Store() = default;
  // GCRA: `limit.rate_count` per `limit.period_ns`, `limit.burst` at once. `now_ns` is passed
  // in (event time in replay, the TimeSource in run) so decisions are reproducible.
  virtual RateDecision check_rate(std::string_view key, const rules::RateLimit& limit,
                                  int64_t now_ns) = 0;
};

}  // namespace panguard::agent
