// event -> evaluate against the current pack snapshot -> counter checks in the Store (limits,
// dedup) -> alerts -> sink. Holds no per-tenant or per-event state: everything that must survive
// one event lives in the Store. Safe to call from any number of threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
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
  // What a limit answers when the shared store cannot, unless its rule says otherwise.
  rules::StoreFailureMode store_failure = rules::StoreFailureMode::kLocal;
};

struct ProcessResult {
  std::size_t alerts = 0;              // emitted (a deduplicated match is counted, not emitted)
  std::vector<std::string> alert_ids;  // of every alert emitted, so a refusal can cite them
  bool denied = false;         // enforce mode and a deny rule fired: the source must refuse (403)
  bool limited = false;        // enforce mode and a deny rule's rate limit was exceeded (429)
  int64_t retry_after_ns = 0;  // when limited: the longest wait any exceeded limit asks for
  bool evaluated = false;      // false when no pack was loaded (counted as a drop)
};

using ProcessDone = std::function<void(ProcessResult)>;

class Pipeline {
 public:
  Pipeline(PipelineOptions options, const PackHolder& packs, Store& store, alerts::Sink& sink,
           Metrics& metrics);

  // Evaluates now, then consults the store for limits and dedup without blocking. `done` runs
  // exactly once: inline when nothing waits on the store, otherwise on the store's thread.
  // `now_ns` drives the in-process store: the event's time in replay, the TimeSource in run.
  // Taken by rvalue reference, not by value: an Event is a table of every field (about 2 KB), and
  // a parameter's move and destruction walk all of it, per event.
  void process(rules::Event&& event, int64_t now_ns, ProcessDone done);

  // process() and wait for it: for threads that may block (replay, the audit consumer), never
  // for an io thread.
  ProcessResult process_and_wait(rules::Event event, int64_t now_ns);

  // Platform events (pack refused, store degraded, ...) take the same way out as tenant alerts.
  void emit_platform(const alerts::PlatformAlertSpec& spec, int64_t now_ns);

 private:
  struct Pending;
  void fire(const std::shared_ptr<Pending>& pending, const rules::CompiledRule& rule);
  void on_rate(const std::shared_ptr<Pending>& pending, const rules::CompiledRule& rule,
               rules::StoreFailureMode failure, const RateDecision& decision);
  void emit_rule_alert(Pending& pending, const rules::CompiledRule& rule, uint64_t count);
  static void finish_one(const std::shared_ptr<Pending>& pending);
  void emit(const alerts::Alert& alert);
  bool denies(const rules::CompiledRule& rule) const;

  const PipelineOptions options_;
  const PackHolder& packs_;
  Store& store_;
  alerts::Sink& sink_;
  Metrics& metrics_;
  std::atomic<uint64_t> no_pack_drops_{0};
  std::atomic<uint64_t> sink_drops_{0};
};

}  // namespace panguard::agent
