#include "rules/evaluator.h"

#include <algorithm>

#include "rules/condition_plan.h"

namespace panguard::rules {

bool Verdict::denied() const {
  return std::any_of(matches.begin(), matches.end(),
                     [](const CompiledRule* rule) { return rule->action == Action::kDeny; });
}

void evaluate(const Event& event, const RulePack& pack, Verdict& out) {
  out.clear();
  const SourceIndex& index = pack.index(event.source());
  std::vector<uint32_t>& candidates = out.scratch;
  candidates.assign(index.unkeyed.begin(), index.unkeyed.end());
  bool keyed_hit = false;
  for (const SourceIndex::KeyedField& keyed : index.keyed) {
    const std::string* value = event.get_string(keyed.field);
    if (!value) continue;
    auto bucket = keyed.buckets.find(*value);
    if (bucket == keyed.buckets.end()) continue;
    candidates.insert(candidates.end(), bucket->second.begin(), bucket->second.end());
    keyed_hit = true;
  }
  // Verdicts list rules in pack order whatever the index path.
  if (keyed_hit) std::sort(candidates.begin(), candidates.end());

  const auto rules = pack.rules();
  for (uint32_t i : candidates) {
    const CompiledRule& rule = rules[i];
    if (!rule.condition->eval(event)) continue;
    if (!rule.limit) {
      out.matches.push_back(&rule);
      continue;
    }
    CounterRequest request{&rule, {}};
    request.key_values.reserve(rule.limit->key.size());
    for (FieldId id : rule.limit->key) request.key_values.push_back(render_value(event.get(id)));
    out.counter_requests.push_back(std::move(request));
  }
}

Verdict evaluate(const Event& event, const RulePack& pack) {
  Verdict verdict;
  evaluate(event, pack, verdict);
  return verdict;
}

}  // namespace panguard::rules
