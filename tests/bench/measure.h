// Plain timing for bench_rules: a case is a function running one pass over its events; each
// repetition runs enough passes to last min_ms, and the reported figure is the median.
// Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: on a shared machine
// the time other processes hold the core is not charged to the engine; cache and frequency
// effects of their work still are.
#pragma once

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace panguard::bench {

struct Case {
  std::string label;
  std::string rules;  // rule count, or "-" for the baseline
  std::size_t events_per_pass = 0;
  std::function<uint64_t()> run_pass;  // returns matches in the pass (a sink against elision)
  std::size_t passes = 1;              // set by calibrate()
  std::vector<double> ns_per_event;    // one per repetition
  uint64_t matches_per_pass = 0;
};

inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Warms caches and branch predictors, then picks a pass count that lasts about min_ms.
inline void calibrate(Case& c, double min_ms) {
  c.matches_per_pass = c.run_pass();
  const double start = thread_cpu_seconds();
  c.run_pass();
  const double pass_ms = std::max((thread_cpu_seconds() - start) * 1e3, 1e-3);
  c.passes = std::max<std::size_t>(1, static_cast<std::size_t>(min_ms / pass_ms));
}

inline void measure_once(Case& c) {
  uint64_t sink = 0;
  const double start = thread_cpu_seconds();
  for (std::size_t p = 0; p < c.passes; ++p) sink += c.run_pass();
  const double elapsed = thread_cpu_seconds() - start;
  if (sink != c.matches_per_pass * c.passes) c.matches_per_pass = UINT64_MAX;  // nondeterminism
  c.ns_per_event.push_back(elapsed * 1e9 / static_cast<double>(c.passes * c.events_per_pass));
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace panguard::bench
