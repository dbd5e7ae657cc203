// libFuzzer target: the input is one YAML rule file. Loading must never crash, hang or leak,
// whatever the bytes; a pack that loads must evaluate and render safely. The input is loaded
// alone and again after a small base file, so `override:` append/replace paths are reached too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/evaluator.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"
#include "tests/fuzz/fuzz_events.h"

namespace {

using namespace panguard::rules;

constexpr const char* kBaseFile = R"yaml(
- required_engine_version: 1
- list: tenants
  items: [acme, globex]
- list: ports
  items: [8200, 4222]
- macro: verified
  condition: tenant.id exists and tenant.source in (jwt, cgroup, account)
- rule: Base rule
  desc: d
  source: vault
  condition: verified and vault.path_tenant != tenant.id
  output: "base %tenant.id %vault.path"
  priority: critical
)yaml";

void check_loaded(const CompileResult& result) {
  for (const Diagnostic& d : result.diagnostics) {
    if (d.to_string().empty()) std::abort();
  }
  // A pack is returned exactly when there are no errors.
  if ((result.pack != nullptr) == has_errors(result.diagnostics)) std::abort();
  if (!result.pack) return;
  Verdict verdict;
  for (const Event& event : panguard::fuzz::fixed_events()) {
    evaluate(event, *result.pack, verdict);
    for (const CompiledRule* rule : verdict.matches) {
      if (rule->source != event.source()) std::abort();
      (void)rule->output.render(event);
    }
    for (const CounterRequest& request : verdict.counter_requests) {
      if (!request.rule->limit ||
          key_values(request.rule->limit->key, event).size() != request.rule->limit->key.size()) {
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_loaded(load_pack({RuleFile{"fuzz.yaml", text}}));
  check_loaded(load_pack({RuleFile{"base.yaml", kBaseFile}, RuleFile{"fuzz.yaml", text}}));
  return 0;
}
