// What bench_rules prints: how a pack was indexed, the baseline check, the timing table and the
// verdict on issue 2's targets.
#pragma once

#include <string>
#include <vector>

#include "rules/rule_pack.h"
#include "tests/bench/agreement.h"
#include "tests/bench/measure.h"

namespace panguard::bench {

inline constexpr double kMaxRatio = 3.0;                     // (a) / (c)
inline constexpr double kMinGeneratedEventsPerSecond = 1e6;  // (b)

// Per source: unkeyed rules (checked against every event) and each keyed field's buckets.
void print_index(const rules::RulePack& pack);

// Prints the match counts and up to ten disagreements; true when engine and baseline agree.
bool print_agreement(const std::string& what, const Agreement& agreement);

void print_table(const std::vector<Case>& cases, int repetitions);

// cases: (a), (c), (b) in that order. Prints the ratio and rate against the targets; true when
// both are met.
bool print_targets(const std::vector<Case>& cases);

}  // namespace panguard::bench
