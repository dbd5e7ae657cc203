#include "tests/bench/report.h"

#include <algorithm>
#include <cstdio>

namespace panguard::bench {

void print_index(const rules::RulePack& pack) {
  for (std::size_t s = 0; s < rules::kSourceCount; ++s) {
    const auto source = static_cast<rules::Source>(s);
    const rules::SourceIndex& index = pack.index(source);
    if (index.keyed.empty() && index.unkeyed.empty()) continue;
    std::printf("  %-8s unkeyed %3zu", std::string(rules::source_name(source)).c_str(),
                index.unkeyed.size());
    for (const auto& keyed : index.keyed) {
      std::size_t largest = 0;
      for (const auto& [value, rules_of_value] : keyed.buckets) {
        largest = std::max(largest, rules_of_value.size());
      }
      std::printf("; keyed on %s: %zu values, largest bucket %zu",
                  std::string(rules::field_info(keyed.field).name).c_str(), keyed.buckets.size(),
                  largest);
    }
    std::printf("\n");
  }
}

bool print_agreement(const std::string& what, const Agreement& agreement) {
  std::printf("baseline check, %-28s engine %llu matches, baseline %llu: %s\n", what.c_str(),
              static_cast<unsigned long long>(agreement.engine_matches),
              static_cast<unsigned long long>(agreement.baseline_matches),
              agreement.disagreements.empty() ? "agree" : "DISAGREE");
  for (std::size_t i = 0; i < agreement.disagreements.size() && i < 10; ++i) {
    std::printf("  %s\n", agreement.disagreements[i].c_str());
  }
  return agreement.disagreements.empty();
}

void print_table(const std::vector<Case>& cases, int repetitions) {
  std::printf("\none thread, CPU time, %d repetitions, median [min .. max]\n", repetitions);
  std::printf("%-40s %6s %7s %24s %14s %9s\n", "case", "rules", "events", "ns/event", "events/s",
              "matches");
  for (const Case& c : cases) {
    const auto [lo, hi] = std::minmax_element(c.ns_per_event.begin(), c.ns_per_event.end());
    const double mid = median(c.ns_per_event);
    char range[64];
    std::snprintf(range, sizeof range, "%.1f [%.1f .. %.1f]", mid, *lo, *hi);
    std::printf("%-40s %6s %7zu %24s %14.0f %9llu\n", c.label.c_str(), c.rules.c_str(),
                c.events_per_pass, range, 1e9 / mid,
                static_cast<unsigned long long>(c.matches_per_pass));
  }
}

bool print_targets(const std::vector<Case>& cases) {
  const double ratio = median(cases[0].ns_per_event) / median(cases[1].ns_per_event);
  const double generated_rate = 1e9 / median(cases[2].ns_per_event);
  const bool ratio_ok = ratio <= kMaxRatio;
  const bool rate_ok = generated_rate >= kMinGeneratedEventsPerSecond;
  std::printf("\n(a)/(c) = %.2f   target <= %.0f        %s\n", ratio, kMaxRatio,
              ratio_ok ? "met" : "MISSED");
  std::printf("(b)     = %.2f M events/s   target >= %.0f M   %s\n", generated_rate / 1e6,
              kMinGeneratedEventsPerSecond / 1e6, rate_ok ? "met" : "MISSED");
  return ratio_ok && rate_ok;
}

}  // namespace panguard::bench
