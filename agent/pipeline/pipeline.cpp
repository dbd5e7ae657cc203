#include "agent/pipeline/pipeline.h"

#include <chrono>

#include "agent/log/log.h"
#include "agent/store/rate_key.h"
#include "rules/evaluator.h"

namespace panguard::agent {

Pipeline::Pipeline(PipelineOptions options, const PackHolder& packs, Store& store,
                   alerts::Sink& sink, Metrics& metrics)
    : options_(std::move(options)), packs_(packs), store_(store), sink_(sink), metrics_(metrics) {}

ProcessResult Pipeline::process(const rules::Event& event, int64_t now_ns) {
  ProcessResult result;
  metrics_.count_event(event.source());
  const std::shared_ptr<const PackSnapshot> snapshot = packs_.current();
  if (!snapshot) {
    metrics_.count_drop(DropStage::kNoPack);
    const uint64_t n = ++no_pack_drops_;
    if (log::should_log_occurrence(n))
      log::warning("event dropped: no rule pack loaded (", n, " so far)");
    return result;
  }
  result.evaluated = true;

  // One Verdict per thread: evaluate() reuses its vectors instead of allocating per event.
  thread_local rules::Verdict verdict;
  const auto start = std::chrono::steady_clock::now();
  rules::evaluate(event, *snapshot->pack, verdict);
  metrics_.observe_eval_latency(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  const alerts::AlertContext context{options_.node_name, snapshot->version, now_ns};
  auto fire = [&](const rules::CompiledRule& rule) {
    const bool deny = rule.action == rules::Action::kDeny && options_.mode == Mode::kEnforce;
    const alerts::Alert alert = alerts::build_alert(
        rule, event, context, deny ? rules::Action::kDeny : rules::Action::kAlert);
    emit(alert);
    result.alert_ids.push_back(alert.id);
    result.denied = result.denied || deny;
    ++result.alerts;
  };

  for (const rules::CompiledRule* rule : verdict.matches) {
    metrics_.count_rule_match(rule->name, rule->priority);
    fire(*rule);
  }
  for (const rules::CounterRequest& request : verdict.counter_requests) {
    const rules::CompiledRule& rule = *request.rule;
    metrics_.count_rule_match(rule.name, rule.priority);
    const std::string key = make_rate_key(event.get_string(rules::FieldId::kTenantId), rule.name,
                                          rules::limit_key_values(rule, event));
    // A limited rule fires only once its key is over the rate.
    if (!store_.check_rate(key, *rule.limit, now_ns).allowed) fire(rule);
  }
  return result;
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
