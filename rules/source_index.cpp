#include "rules/source_index.h"

#include <algorithm>
#include <map>

#include "rules/condition_plan.h"

namespace panguard::rules {
namespace {

std::vector<EqualityKey> equality_conjuncts(const CompiledRule& rule) {
  std::vector<EqualityKey> keys;
  auto consider = [&](const Predicate& part) {
    if (auto key = equality_key(part)) keys.push_back(std::move(*key));
  };
  if (const auto* conjuncts = and_children(*rule.condition)) {
    for (const auto& conjunct : *conjuncts) consider(*conjunct);
  } else {
    consider(*rule.condition);
  }
  return keys;
}

// How finely a field splits one source's rules: filed entries and distinct values.
struct FieldSpread {
  std::size_t entries = 0;
  std::map<std::string, std::size_t> values;
  double rules_per_value() const {
    return static_cast<double>(entries) / static_cast<double>(values.size());
  }
};

}  // namespace

std::array<SourceIndex, kSourceCount> build_source_index(const std::vector<CompiledRule>& rules) {
  std::vector<std::vector<EqualityKey>> candidates(rules.size());
  std::array<std::map<FieldId, FieldSpread>, kSourceCount> spread;
  for (const CompiledRule& rule : rules) {
    candidates[rule.index] = equality_conjuncts(rule);
    for (const EqualityKey& key : candidates[rule.index]) {
      FieldSpread& field = spread[static_cast<std::size_t>(rule.source)][key.field];
      field.entries += key.values.size();
      for (const std::string& value : key.values) ++field.values[value];
    }
  }

  std::array<SourceIndex, kSourceCount> index;
  for (const CompiledRule& rule : rules) {
    const auto s = static_cast<std::size_t>(rule.source);
    const auto& keys = candidates[rule.index];
    if (keys.empty()) {
      index[s].unkeyed.push_back(rule.index);
      continue;
    }
    // Fewest rules behind each value means fewest conditions checked per event; between equals,
    // the field more rules share means fewer hash lookups.
    auto better = [&](const EqualityKey& a, const EqualityKey& b) {
      const FieldSpread& fa = spread[s][a.field];
      const FieldSpread& fb = spread[s][b.field];
      if (fa.rules_per_value() != fb.rules_per_value()) {
        return fa.rules_per_value() < fb.rules_per_value();
      }
      return fa.entries > fb.entries;
    };
    const EqualityKey& best = *std::min_element(keys.begin(), keys.end(), better);
    auto& keyed = index[s].keyed;
    auto slot = std::find_if(keyed.begin(), keyed.end(),
                             [&](const auto& k) { return k.field == best.field; });
    if (slot == keyed.end()) slot = keyed.insert(keyed.end(), {best.field, {}, {}});
    for (const std::string& value : best.values) {
      slot->buckets[value].push_back(rule.index);
      slot->lengths.add(value.size());
    }
  }
  return index;
}

}  // namespace panguard::rules
