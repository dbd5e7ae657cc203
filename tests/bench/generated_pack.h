// A generated 1,000-rule pack in YAML and a traffic mix that exercises it: the scale test of
// bench_rules. Rules look like site-written ones: most are keyed on a discriminating field
// (proc.comm, vault.role, vault.operation, nats.subject, nats.account, net.daddr, tenant.id)
// with a couple of extra conjuncts; 5% are unkeyed (pmatch, glob, regex first) and are checked
// against every event of their source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rules/event.h"

namespace panguard::bench {

struct GeneratedPack {
  std::string yaml;  // one rule file
  std::size_t rule_count = 0;
  std::vector<rules::Event> events;  // ~20% carry a value some rule is keyed on
};

GeneratedPack generated_pack(std::size_t event_count, uint32_t seed);

}  // namespace panguard::bench
