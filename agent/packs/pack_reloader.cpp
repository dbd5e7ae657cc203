#include "agent/packs/pack_reloader.h"

#include "agent/log/log.h"
#include "agent/packs/pack_loading.h"
#include "alerts/alert_builder.h"

namespace panguard::agent {

bool reload_rule_pack(const std::vector<std::string>& paths, PackHolder& packs, Pipeline& pipeline,
                      Metrics& metrics, int64_t now_ns) {
  const PackLoadResult loaded = load_rule_pack(paths);
  for (const auto& diagnostic : loaded.diagnostics) {
    if (diagnostic.severity == rules::Diagnostic::Severity::kWarning) {
      log::warning(diagnostic.to_string());
    }
  }
  if (!loaded.ok()) {
    const std::string reason = loaded.first_error();
    metrics.count_reload(false);
    log::error("rules: reload refused, keeping the current pack: ", reason);
    pipeline.emit_platform(
        alerts::PlatformAlertSpec{kPackRefusedRule, rules::Priority::kCritical, "rules", reason},
        now_ns);
    return false;
  }
  const auto previous = packs.swap(loaded.snapshot);
  metrics.count_reload(true);
  log::info("rules: reloaded ", loaded.snapshot->pack->rules().size(), " rules from ",
            loaded.snapshot->origin, " (", previous ? previous->version : "none", " -> ",
            loaded.snapshot->version, ")");
  return true;
}

}  // namespace panguard::agent
