#include "agent/pipeline/pipeline.h"

#include <chrono>
#include <future>
#include <mutex>

#include "agent/log/log.h"
#include "agent/store/store_key.h"
#include "rules/evaluator.h"

namespace panguard::agent {

// One event's way through the store. The snapshot keeps the rules alive until the last store
// answer; `outstanding` counts store calls plus one for process() itself.
struct Pipeline::Pending {
  Pending(rules::Event e, int64_t now, ProcessDone d)
      : event(std::move(e)), now_ns(now), done(std::move(d)) {}

  rules::Event event;
  int64_t now_ns = 0;
  std::shared_ptr<const PackSnapshot> snapshot;
  ProcessDone done;
  std::atomic<int> outstanding{1};
  std::mutex mutex;  // guards result: store answers may arrive on another thread
  ProcessResult result;
};

Pipeline::Pipeline(PipelineOptions options, const PackHolder& packs, Store& store,
                   alerts::Sink& sink, Metrics& metrics)
    : options_(std::move(options)), packs_(packs), store_(store), sink_(sink), metrics_(metrics) {}

void Pipeline::process(rules::Event&& event, int64_t now_ns, ProcessDone done) {
  metrics_.count_event(event.source());
  std::shared_ptr<const PackSnapshot> snapshot = packs_.current();
  if (!snapshot) {
    metrics_.count_drop(DropStage::kNoPack);
    const uint64_t n = ++no_pack_drops_;
    if (log::should_log_occurrence(n))
      log::warning("event dropped: no rule pack loaded (", n, " so far)");
    done(ProcessResult{});
    return;
  }

  // One Verdict per thread: evaluate() reuses its vectors instead of allocating per event.
  thread_local rules::Verdict verdict;
  const auto start = std::chrono::steady_clock::now();
  rules::evaluate(event, *snapshot->pack, verdict);
  metrics_.observe_eval_latency(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  // Nothing matched (most events): no alert, no store call, nothing that must outlive this
  // call, so the event is not moved into a heap-held Pending only to be freed again.
  if (verdict.matches.empty() && verdict.counter_requests.empty()) {
    ProcessResult result;
    result.evaluated = true;
    done(std::move(result));
    return;
  }
  auto pending = std::make_shared<Pending>(std::move(event), now_ns, std::move(done));
  pending->snapshot = std::move(snapshot);
  pending->result.evaluated = true;

  // Copied out: a store answer may run on this thread and evaluate another event meanwhile.
  const std::vector<const rules::CompiledRule*> matches = verdict.matches;
  std::vector<const rules::CompiledRule*> limited;
  for (const rules::CounterRequest& request : verdict.counter_requests) {
    limited.push_back(request.rule);
  }

  for (const rules::CompiledRule* rule : matches) {
    metrics_.count_rule_match(rule->name, rule->priority);
    fire(pending, *rule);
  }
  const std::string* tenant = pending->event.get_string(rules::FieldId::kTenantId);
  for (const rules::CompiledRule* rule : limited) {
    metrics_.count_rule_match(rule->name, rule->priority);
    const rules::StoreFailureMode failure =
        rule->limit->on_store_failure == rules::StoreFailureMode::kDefault
            ? options_.store_failure
            : rule->limit->on_store_failure;
    ++pending->outstanding;
    store_.check_rate(make_store_key(StoreKeyKind::kRate, tenant, rule->name,
                                     rules::key_values(rule->limit->key, pending->event)),
                      *rule->limit, failure, now_ns,
                      [this, pending, rule, failure](RateDecision decision) {
                        on_rate(pending, *rule, failure, decision);
                        finish_one(pending);
                      });
  }
  finish_one(pending);
}

ProcessResult Pipeline::process_and_wait(rules::Event event, int64_t now_ns) {
  std::promise<ProcessResult> promise;
  std::future<ProcessResult> future = promise.get_future();
  process(std::move(event), now_ns,
          [&promise](ProcessResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

bool Pipeline::denies(const rules::CompiledRule& rule) const {
  return rule.action == rules::Action::kDeny && options_.mode == Mode::kEnforce;
}

// A limited rule fires only once its key is over the rate, by the shared store or by this
// node's `local` share of it. A refusal by `closed` denies without an alert of its own: it says
// nothing about the tenant, and the store-degraded platform alert covers it.
void Pipeline::on_rate(const std::shared_ptr<Pending>& pending, const rules::CompiledRule& rule,
                       rules::StoreFailureMode failure, const RateDecision& decision) {
  metrics_.count_store_decision(decision.source == DecisionSource::kFailureMode);
  if (decision.allowed) return;
  if (denies(rule)) {
    std::lock_guard lock(pending->mutex);
    pending->result.limited = true;
    pending->result.retry_after_ns =
        std::max(pending->result.retry_after_ns, decision.retry_after_ns);
  }
  const bool blind_refusal = decision.source == DecisionSource::kFailureMode &&
                             failure == rules::StoreFailureMode::kClosed;
  if (!blind_refusal) fire(pending, rule);
}

// The deny takes effect at once; the alert itself may wait for the dedup answer.
void Pipeline::fire(const std::shared_ptr<Pending>& pending, const rules::CompiledRule& rule) {
  if (denies(rule) && !rule.limit) {
    std::lock_guard lock(pending->mutex);
    pending->result.denied = true;
  }
  if (!rule.dedup) {
    emit_rule_alert(*pending, rule, 1);
    return;
  }
  ++pending->outstanding;
  store_.dedup(
      make_store_key(StoreKeyKind::kDedup, pending->event.get_string(rules::FieldId::kTenantId),
                     rule.name, rules::key_values(rule.dedup->key, pending->event)),
      static_cast<int64_t>(rule.dedup->window_ns), pending->now_ns,
      [this, pending, &rule](DedupDecision decision) {
        if (decision.report) {
          emit_rule_alert(*pending, rule, 1 + decision.suppressed_previous);
        } else {
          metrics_.count_deduplicated();
        }
        finish_one(pending);
      });
}

void Pipeline::emit_rule_alert(Pending& pending, const rules::CompiledRule& rule, uint64_t count) {
  const alerts::AlertContext context{options_.node_name, pending.snapshot->version, pending.now_ns};
  // A connect the kernel already refused (net.enforced) was denied whatever the rule's action.
  const bool* refused_in_kernel = pending.event.get_bool(rules::FieldId::kNetEnforced);
  const bool denied = denies(rule) || (refused_in_kernel && *refused_in_kernel);
  alerts::Alert alert = alerts::build_alert(rule, pending.event, context,
                                            denied ? rules::Action::kDeny : rules::Action::kAlert);
  alert.count = count;
  emit(alert);
  std::lock_guard lock(pending.mutex);
  pending.result.alert_ids.push_back(alert.id);
  ++pending.result.alerts;
}

void Pipeline::finish_one(const std::shared_ptr<Pending>& pending) {
  if (--pending->outstanding != 0) return;
  ProcessResult result;
  {
    std::lock_guard lock(pending->mutex);
    result = std::move(pending->result);
  }
  pending->done(std::move(result));
}

void Pipeline::emit_platform(const alerts::PlatformAlertSpec& spec, int64_t now_ns) {
  const std::shared_ptr<const PackSnapshot> snapshot = packs_.current();
  const std::string version = snapshot ? snapshot->version : "none";
  const alerts::AlertContext context{options_.node_name, version, now_ns};
  emit(alerts::build_platform_alert(spec, context));
}

void Pipeline::emit(const alerts::Alert& alert) {
  metrics_.count_alert(alert.priority);
  if (!sink_.write(alert)) {
    metrics_.count_drop(DropStage::kSink);
    const uint64_t n = ++sink_drops_;
    if (log::should_log_occurrence(n)) {
      log::warning("alert dropped: the alert sink could not write it (", n, " so far)");
    }
  }
}

}  // namespace panguard::agent
