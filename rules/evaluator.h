// evaluate(event, pack): pure, keeps nothing between calls, safe from any number of threads.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "rules/condition_plan.h"
#include "rules/event.h"
#include "rules/rule_pack.h"

namespace panguard::rules {

// A rule with a `limit:` whose condition matched. It fires only when the counter store says the
// key is over its rate; the engine itself keeps no counters. The key is rendered by the caller
// (key_values) only when it consults the store, keeping evaluation allocation-free.
struct CounterRequest {
  const CompiledRule* rule = nullptr;
};

// Rendered values of a limit or dedup key for `event`, in order (absent fields render as
// "<NA>").
std::vector<std::string> key_values(std::span<const FieldId> key, const Event& event);

struct Verdict {
  std::vector<const CompiledRule*> matches;      // rules without a limit that matched, pack order
  std::vector<CounterRequest> counter_requests;  // limited rules that matched, pack order

  bool denied() const;  // any unconditional match with action deny
  void clear() {
    matches.clear();
    counter_requests.clear();
  }

  // Working space of evaluate(), reset for every event.
  std::vector<uint32_t> scratch;  // candidate rule indexes
  EvalScratch memo;
};

// Fills `out` (cleared first). Reuse one Verdict per thread to avoid allocations.
void evaluate(const Event& event, const RulePack& pack, Verdict& out);
Verdict evaluate(const Event& event, const RulePack& pack);

}  // namespace panguard::rules
