// A compiled pack plus what identifies it. Immutable; evaluations hold a shared_ptr to the
// snapshot they started with, so a reload never changes a pack under an evaluation.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "rules/rule_pack.h"

namespace panguard::agent {

struct PackSnapshot {
  std::shared_ptr<const rules::RulePack> pack;
  std::string version;  // "sha256:<16 hex>" of the file contents, in load order
  std::string origin;   // for logs: "embedded default pack" or the configured paths
};

// The current snapshot, swapped atomically on reload.
class PackHolder {
 public:
  std::shared_ptr<const PackSnapshot> current() const { return current_.load(); }
  // Returns the snapshot it replaced (null on first install).
  std::shared_ptr<const PackSnapshot> swap(std::shared_ptr<const PackSnapshot> next) {
    return current_.exchange(std::move(next));
  }

 private:
  std::atomic<std::shared_ptr<const PackSnapshot>> current_;
};

}  // namespace panguard::agent
