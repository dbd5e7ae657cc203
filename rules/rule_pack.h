// A compiled, immutable rule pack. Built once by compile_pack(); shared read-only by every
// evaluation (std::shared_ptr<const RulePack>), never mutated afterwards.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/condition_plan.h"
#include "rules/diagnostic.h"
#include "rules/event.h"
#include "rules/output_template.h"
#include "rules/pack_document.h"

namespace panguard::rules {

struct RateLimit {
  std::vector<FieldId> key;
  uint64_t rate_count = 0;
  uint64_t period_ns = 0;
  uint64_t burst = 0;
  StoreFailureMode on_store_failure = StoreFailureMode::kDefault;
};

struct AlertDedup {
  std::vector<FieldId> key;
  uint64_t window_ns = 0;
};

struct CompiledRule {
  uint32_t index = 0;  // position in RulePack::rules()
  std::string name;
  std::string desc;
  Source source = Source::kVault;
  Priority priority = Priority::kWarning;
  std::vector<std::string> tags;
  Action action = Action::kAlert;
  std::optional<RateLimit> limit;
  std::optional<AlertDedup> dedup;
  OutputTemplate output;
  std::shared_ptr<const Predicate> condition;
  FieldMask required;          // condition->required_fields(): a cheap pre-check before evaluating
  std::string condition_text;  // canonical form, for diagnostics and `rules check`
};

// Rules of one source, split for fast dispatch: rules whose condition requires
// `field = literal` (or `field in (literals)`) on a string field are reachable through a hash
// lookup of the event's value; the rest are always checked.
struct SourceIndex {
  struct KeyedField {
    FieldId field;
    std::unordered_map<std::string, std::vector<uint32_t>> buckets;  // value -> ascending indexes
    LengthSet lengths;                                               // of the bucket values
  };
  std::vector<KeyedField> keyed;
  std::vector<uint32_t> unkeyed;  // ascending
};

class RulePack {
 public:
  RulePack(std::vector<CompiledRule> rules, std::array<SourceIndex, kSourceCount> index);

  std::span<const CompiledRule> rules() const { return rules_; }
  const SourceIndex& index(Source s) const { return index_[static_cast<std::size_t>(s)]; }
  const CompiledRule* find(std::string_view name) const;

 private:
  std::vector<CompiledRule> rules_;
  std::array<SourceIndex, kSourceCount> index_;
};

struct CompileResult {
  std::shared_ptr<const RulePack> pack;  // null when diagnostics contain errors
  std::vector<Diagnostic> diagnostics;
};

CompileResult compile_pack(const PackDocument& document);

// load_document + compile_pack.
struct RuleFile;
CompileResult load_pack(const std::vector<RuleFile>& files);

}  // namespace panguard::rules
