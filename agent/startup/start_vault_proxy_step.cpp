#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>

#include "agent/cli/exit_codes.h"
#include "agent/log/log.h"
#include "agent/net/tls_context.h"
#include "agent/sources/vault/jwks.h"
#include "agent/startup/startup_step.h"

namespace panguard::agent {
namespace {

// The pinned key set, or an error message naming identity.jwt.jwks_file.
std::variant<vault::KeySet, std::string> load_key_set(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "identity.jwt.jwks_file: cannot read " + path;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return "identity.jwt.jwks_file: error while reading " + path;
  auto loaded = vault::load_jwks(text.str());
  if (auto* error = std::get_if<vault::JwksError>(&loaded)) {
    return "identity.jwt.jwks_file: " + path + ": " + error->message;
  }
  return std::get<vault::KeySet>(std::move(loaded));
}

}  // namespace

StepOutcome start_vault_proxy_step(App& app) {
  const VaultSettings& settings = app.config->vault();
  if (!settings.enabled) return StepOutcome::ok();
  const JwtSettings& jwt = app.config->jwt();

  auto keys = load_key_set(jwt.jwks_file);
  if (auto* error = std::get_if<std::string>(&keys)) {
    return StepOutcome::fail(kExitFindings, *error);
  }
  // The loader already compiled these patterns, so this cannot fail on a validated config.
  auto patterns = vault::TenantPatterns::compile(settings.tenant_paths, settings.tenant_namespace,
                                                 settings.tenant_roles);
  if (auto* error = std::get_if<vault::PatternError>(&patterns)) {
    return StepOutcome::fail(kExitFindings, "vault.tenant_*: " + error->message);
  }
  // TLS material is loaded before anything listens, so a bad file stops startup naming its key.
  VaultProxyOptions options;
  options.upstream.read_timeout = std::chrono::milliseconds(settings.upstream_timeout_ms);
  if (settings.upstream->tls) {
    auto context = make_upstream_tls_context(settings.upstream_ca_file);
    if (auto* error = std::get_if<std::string>(&context)) {
      return StepOutcome::fail(kExitFindings, *error);
    }
    options.upstream.tls = std::get<TlsContext>(std::move(context));
  }
  if (settings.tls.enabled()) {
    auto context = make_listener_tls_context(settings.tls.cert_file, settings.tls.key_file);
    if (auto* error = std::get_if<std::string>(&context)) {
      return StepOutcome::fail(kExitFindings, *error);
    }
    options.listener_tls = std::get<TlsContext>(std::move(context));
  }
  vault::JwtPolicy policy;
  policy.issuer = jwt.issuer;
  policy.audience = jwt.audience;
  policy.tenant_claim = jwt.tenant_claim;
  policy.leeway_seconds = jwt.leeway_seconds;
  try {
    auto& compiled = std::get<vault::TenantPatterns>(patterns);
    auto rules = std::make_shared<const VaultProxyRules>(
        VaultProxyRules{vault::JwtVerifier(std::get<vault::KeySet>(std::move(keys)), policy),
                        compiled, vault::request_layout(compiled, settings.kv2_mounts),
                        settings.session_header, app.config->mode()});
    app.vault_proxy =
        std::make_unique<ShardedVaultProxy>(app.io, settings.io_threads, std::move(rules),
                                            *app.pipeline, app.metrics, app.clock, options);
  } catch (const std::invalid_argument& e) {
    return StepOutcome::fail(kExitFindings, std::string("identity.jwt: ") + e.what());
  }
  const std::string error = app.vault_proxy->start(settings.listen, *settings.upstream);
  if (!error.empty()) return StepOutcome::fail(kExitRuntime, error);

  const auto endpoint = app.vault_proxy->local_endpoint();
  const ListenAddress bound{endpoint.address().to_string(), endpoint.port()};
  // Tests and scripts read the port from this line when vault.listen asks for port 0.
  log::info("vault proxy listening on ", bound.to_string(), settings.tls.enabled() ? " (TLS)" : "",
            " -> ", settings.upstream->to_string(), ", ", app.vault_proxy->shard_count(),
            " io thread(s)");
  return StepOutcome::ok();
}

}  // namespace panguard::agent
