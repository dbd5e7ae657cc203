// Single-node Store: GCRA state (one theoretical arrival time per key) in a mutex-guarded map.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "agent/store/store.h"

namespace panguard::agent {

class MemoryStore : public Store {
 public:
  RateDecision check_rate(std::string_view key, const rules::RateLimit& limit,
                          int64_t now_ns) override;

  std::size_t key_count() const;

 private:
  // Drops keys whose TAT has passed: they are indistinguishable from absent keys, so memory
  // stays bounded by the keys active within one burst window.
  void sweep(int64_t now_ns);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, int64_t> tat_ns_;  // key -> theoretical arrival time
  uint64_t checks_since_sweep_ = 0;
};

}  // namespace panguard::agent
