// Offline evaluation of recorded events (JSON lines, docs/events.md) through the same pipeline
// as the daemon. Rate limits use each event's own time, so a replay is reproducible.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "agent/pipeline/pipeline.h"
#include "agent/replay/counting_sink.h"
#include "agent/replay/progress.h"

namespace panguard::agent {

struct ReplayCounts {
  uint64_t events = 0;
  uint64_t parse_errors = 0;
};

// Reads `in` line by line. A malformed line is reported to `errors` as "NAME:LINE: message",
// counted, and skipped; blank lines are skipped. An event without evt.time is evaluated at the
// previous event's time (0 before the first).
ReplayCounts replay_events(std::istream& in, std::string_view display_name, Pipeline& pipeline,
                           Metrics& metrics, std::ostream& errors, ProgressLine& progress);

// "replay: 12 events, 3 alerts (critical 2, warning 1), 0 parse errors"
std::string replay_summary(const ReplayCounts& counts, const CountingSink& alerts);

}  // namespace panguard::agent
