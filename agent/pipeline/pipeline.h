// event -> evaluate against the current pack snapshot -> counter checks in the Store -> alerts
// -> sink. Holds no per-tenant or per-event state: everything that must survive one event lives
// in the Store. Safe to call from any number of threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/metrics/metrics.h"
#include "agent/packs/pack_snapshot.h"
#include "agent/store/store.h"
#include "alerts/alert_builder.h"
#include "alerts/sink.h"
#include "rules/event.h"

namespace panguard::agent {

struct PipelineOptions {
  std::string node_name;
  Mode mode = Mode::kMonitor;  // deny actions take effect only in enforce mode
};

struct ProcessResult {
  std::size_t alerts = 0;
  std::vector<std::string> alert_ids;  // of every alert emitted, so a refusal can cite them
  bool denied = false;                 // enforce mode and a deny rule fired: the source must refuse
  bool evaluated = false;              // false when no pack was loaded (counted as a drop)
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, const PackHolder& packs, Store& store, alerts::Sink& sink,
           Metrics& metrics);

  // `now_ns` drives rate limits: the event's time in replay, the TimeSource in run.
  ProcessResult process(const rules::Event& event, int64_t now_ns);

  // Platform events (pack refused, ...) take the same way out as tenant alerts.
  void emit_platform(const alerts::PlatformAlertSpec& spec, int64_t now_ns);

 private:
  void emit(const alerts::Alert& alert);

  const PipelineOptions options_;
  const PackHolder& packs_;
  Store& store_;
  alerts::Sink& sink_;
  Metrics& metrics_;
  std::atomic<uint64_t> no_pack_drops_{0};
  std::atomic<uint64_t> sink_drops_{0};
};

}  // namespace panguard::agent
