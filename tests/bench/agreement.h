// Proves the hand-written baseline honest: over a set of events it must fire exactly the rules
// the engine fires with the default pack, event by event, with the same counter key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rules/event.h"
#include "rules/rule_pack.h"

namespace panguard::bench {

struct Agreement {
  uint64_t engine_matches = 0;             // alerts + counter requests
  uint64_t baseline_matches = 0;           // same, from the baseline
  std::vector<std::string> disagreements;  // one line each, empty when they agree
};

Agreement compare_with_baseline(const rules::RulePack& pack,
                                const std::vector<rules::Event>& events);

// Reads a directory's *.yaml in name order, as the daemon does.
std::vector<rules::RuleFile> read_pack_dir(const std::filesystem::path& dir);

// The "event" of every line of examples.jsonl beside the default pack; empty when absent.
std::vector<rules::Event> read_example_events(const std::filesystem::path& jsonl);

}  // namespace panguard::bench
