// POST /v1/events: JSON-lines events, each evaluated through the pipeline.
//
// The events carry caller-chosen tenant.id values, which the design otherwise forbids. That is
// why the endpoint exists only on loopback and only with admin.allow_event_ingest: true — it is
// for tests and trusted local replay, never a production source.
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/metrics/metrics.h"
#include "agent/pipeline/pipeline.h"

namespace panguard::agent {

struct IngestSummary {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::size_t alerts = 0;
  std::size_t denied = 0;
  std::vector<std::string> errors;  // "line N: message", the first few only

  std::string to_json() const;
};

// Awaits each event's pipeline result, so a slow counter store never blocks the io thread.
// `body` must stay valid until the returned coroutine completes.
boost::asio::awaitable<IngestSummary> ingest_event_lines(std::string_view body, Pipeline& pipeline,
                                                         Metrics& metrics, int64_t now_ns);

}  // namespace panguard::agent
