#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {
namespace {

// vault_audit.* plus the tenant patterns and KV v2 mounts of vault.*, so the proxy and the
// audit stream attribute paths to the same tenants.
std::variant<vault::AuditMapping, std::string> audit_mapping(const Config& config) {
  const VaultSettings& vault = config.vault();
  const VaultAuditSettings& audit = config.vault_audit();
  auto patterns = vault::TenantPatterns::compile(vault.tenant_paths, vault.tenant_namespace,
                                                 vault.tenant_roles);
  // The loader already compiled these patterns, so this cannot fail on a validated config.
  if (auto* error = std::get_if<vault::PatternError>(&patterns)) {
    return "vault.tenant_*: " + error->message;
  }
  vault::AuditMapping mapping;
  mapping.kv2_mounts = vault.kv2_mounts;
  mapping.tenant_patterns = std::get<vault::TenantPatterns>(std::move(patterns));
  mapping.trusted_display_name_prefixes = audit.trusted_display_name_prefixes;
  mapping.include_responses = audit.include_responses;
  auto tenants =
      std::make_shared<const std::map<std::string, std::string>>(audit.namespace_tenants);
  mapping.namespace_to_tenant = [tenants](std::string_view ns) -> std::optional<std::string> {
    const auto found = tenants->find(std::string(ns));
    if (found == tenants->end()) return std::nullopt;
    return found->second;
  };
  return mapping;
}

}  // namespace

StepOutcome start_vault_audit_step(App& app) {
  const VaultAuditSettings& settings = app.config->vault_audit();
  if (!settings.enabled) return StepOutcome::ok();
  auto mapping = audit_mapping(*app.config);
  if (auto* error = std::get_if<std::string>(&mapping)) {
    return StepOutcome::fail(kExitFindings, *error);
  }
  app.vault_audit = std::make_unique<VaultAuditService>(
      app.io, settings, std::get<vault::AuditMapping>(std::move(mapping)), *app.pipeline,
      app.metrics, app.clock);
  const std::string error = app.vault_audit->start(settings.listen);
  if (!error.empty()) {
    app.vault_audit.reset();
    return StepOutcome::fail(kExitRuntime, error);
  }
  if (settings.namespace_tenants.empty()) {
    log::warning(
        "vault audit: vault_audit.namespace_tenants is empty, so no record has a "
        "verified tenant and every request fails closed");
  }
  // Tests and scripts read the port from this line when vault_audit.listen asks for port 0.
  log::info("vault audit listening on ", app.vault_audit->bound_address());
  return StepOutcome::ok();
}

}  // namespace panguard::agent
