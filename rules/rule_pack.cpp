#include "rules/rule_pack.h"

#include "rules/condition_plan.h"

namespace panguard::rules {

RulePack::RulePack(std::vector<CompiledRule> rules, std::array<SourceIndex, kSourceCount> index)
    : rules_(std::move(rules)), index_(std::move(index)) {}

const CompiledRule* RulePack::find(std::string_view name) const {
  for (const CompiledRule& rule : rules_) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

}  // namespace panguard::rules
