// Builds the per-source dispatch index of a compiled pack (see SourceIndex in rule_pack.h).
#pragma once

#include <array>
#include <vector>

#include "rules/rule_pack.h"

namespace panguard::rules {

// Files each rule under one `field = literal` / `field in (literals)` conjunct of its top-level
// conjunction, choosing the field that splits that source's rules most finely; rules without
// such a conjunct are unkeyed and checked for every event of their source.
std::array<SourceIndex, kSourceCount> build_source_index(const std::vector<CompiledRule>& rules);

}  // namespace panguard::rules
