// A compiled pack plus what identifies it. Immutable; evaluations hold a shared_ptr to the
// snapshot they started with, so a reload never changes a pack under an evaluation.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "rules/rule_pack.h"

namespace panguard::agent {

struct PackSnapshot {
  std::shared_ptr<const rules::RulePack> pack;
  std::string version;  // "sha256:<16 hex>" of the file contents, in load order
  std::string origin;   // for logs: "embedded default pack" or the configured paths
};

// The current snapshot, swapped atomically on reload. A mutex, not
// std::atomic<std::shared_ptr>: libstdc++ 12 releases that type's internal lock with a relaxed
// store after a load, so a load and a later exchange have no happens-before edge (TSan reports
// the race). The critical section is one reference-count increment.
class PackHolder {
 public:
  std::shared_ptr<const PackSnapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  // Returns the snapshot it replaced (null on first install).
  std::shared_ptr<const PackSnapshot> swap(std::shared_ptr<const PackSnapshot> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    return next;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const PackSnapshot> current_;
};

}  // namespace panguard::agent
