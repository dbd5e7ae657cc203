// evaluate(event, pack): pure, keeps nothing between calls, safe from any number of threads.
#pragma once

#include <string>
#include <vector>

#include "rules/event.h"
#include "rules/rule_pack.h"

namespace panguard::rules {

// A rule with a `limit:` whose condition matched. It fires only when the counter store says the
// key is over its rate; the engine itself keeps no counters.
struct CounterRequest {
  const CompiledRule* rule = nullptr;
  std::vector<std::string> key_values;  // rendered values of rule->limit->key, in order
};

struct Verdict {
  std::vector<const CompiledRule*> matches;      // rules without a limit that matched, pack order
  std::vector<CounterRequest> counter_requests;  // limited rules that matched, pack order

  bool denied() const;  // any unconditional match with action deny
  void clear() {
    matches.clear();
    counter_requests.clear();
  }

  std::vector<uint32_t> scratch;  // candidate rule indexes, reused between evaluations
};

// Fills `out` (cleared first). Reuse one Verdict per thread to avoid allocations.
void evaluate(const Event& event, const RulePack& pack, Verdict& out);
Verdict evaluate(const Event& event, const RulePack& pack);

}  // namespace panguard::rules
