#include "rules/evaluator.h"

#include <algorithm>

#include "rules/condition_plan.h"

namespace panguard::rules {

bool Verdict::denied() const {
  return std::any_of(matches.begin(), matches.end(),
                     [](const CompiledRule* rule) { return rule->action == Action::kDeny; });
}

namespace {

inline void check_rule(const CompiledRule& rule, const Event& event, Verdict& out) {
  if ((rule.required & ~event.present()).any()) return;  // a field it needs is absent
  if (!rule.condition->eval(event, out.memo)) return;
  if (rule.limit) {
    out.counter_requests.push_back({&rule});
  } else {
    out.matches.push_back(&rule);
  }
}

}  // namespace

void evaluate(const Event& event, const RulePack& pack, Verdict& out) {
  out.clear();
  out.memo = {};
  const SourceIndex& index = pack.index(event.source());
  const auto rules = pack.rules();

  // Rules filed under the event's values of the keyed fields.
  std::vector<uint32_t>& hits = out.scratch;
  hits.clear();
  for (const SourceIndex::KeyedField& keyed : index.keyed) {
    const std::string* value = event.get_string(keyed.field);
    if (!value || !keyed.lengths.may_contain(value->size())) continue;
    auto bucket = keyed.buckets.find(*value);
    if (bucket == keyed.buckets.end()) continue;
    hits.insert(hits.end(), bucket->second.begin(), bucket->second.end());
  }
  if (hits.empty()) {
    for (uint32_t i : index.unkeyed) check_rule(rules[i], event, out);
    return;
  }
  // Verdicts list rules in pack order whatever the index path: merge the two sorted sequences.
  if (index.keyed.size() > 1) std::sort(hits.begin(), hits.end());
  auto unkeyed = index.unkeyed.begin();
  for (uint32_t i : hits) {
    for (; unkeyed != index.unkeyed.end() && *unkeyed < i; ++unkeyed) {
      check_rule(rules[*unkeyed], event, out);
    }
    check_rule(rules[i], event, out);
  }
  for (; unkeyed != index.unkeyed.end(); ++unkeyed) check_rule(rules[*unkeyed], event, out);
}

std::vector<std::string> key_values(std::span<const FieldId> key, const Event& event) {
  std::vector<std::string> values;
  values.reserve(key.size());
  for (FieldId id : key) values.push_back(render_value(event.get(id)));
  return values;
}

Verdict evaluate(const Event& event, const RulePack& pack) {
  Verdict verdict;
  evaluate(event, pack, verdict);
  return verdict;
}

}  // namespace panguard::rules
