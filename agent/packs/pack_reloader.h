// Reload: build the new pack off to the side and install it only if it is good. A refused pack
// leaves the old one serving and raises a "Rule pack refused" platform alert.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/metrics/metrics.h"
#include "agent/packs/pack_snapshot.h"
#include "agent/pipeline/pipeline.h"

namespace panguard::agent {

inline constexpr const char* kPackRefusedRule = "Rule pack refused";

// `paths` empty: the embedded default pack. Returns true when the new pack was installed.
bool reload_rule_pack(const std::vector<std::string>& paths, PackHolder& packs, Pipeline& pipeline,
                      Metrics& metrics, int64_t now_ns);

}  // namespace panguard::agent
