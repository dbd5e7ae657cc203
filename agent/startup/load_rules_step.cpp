#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/packs/pack_loading.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {

StepOutcome load_rules_step(App& app) {
  const PackLoadResult loaded = load_rule_pack(app.config->rule_paths());
  for (const auto& diagnostic : loaded.diagnostics) {
    if (diagnostic.severity == rules::Diagnostic::Severity::kError) {
      log::error(diagnostic.to_string());
    } else {
      log::warning(diagnostic.to_string());
    }
  }
  if (!loaded.ok()) {
    return StepOutcome::fail(kExitFindings, "rule pack refused: " + loaded.first_error());
  }
  app.packs.swap(loaded.snapshot);
  app.pipeline =
      std::make_unique<Pipeline>(PipelineOptions{app.config->node_name(), app.config->mode(),
                                                 app.config->store().failure_mode},
                                 app.packs, *app.store, *app.sink, app.metrics);
  log::info("rules: loaded ", loaded.snapshot->pack->rules().size(), " rules from ",
            loaded.snapshot->origin, " (", loaded.snapshot->version, ")");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
