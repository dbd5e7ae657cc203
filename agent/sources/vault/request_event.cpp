#include "agent/sources/vault/request_event.h"

#include <cassert>

namespace panguard::vault {
namespace {

using rules::FieldId;

template <typename T>
T compiled_or_die(std::variant<T, PatternError> compiled) {
  assert(std::holds_alternative<T>(compiled) && "built-in default pattern must compile");
  return std::get<T>(std::move(compiled));
}

// Sets `field` to the owning tenant, or returns the rejection for an ambiguous owner.
std::optional<Rejection> set_owner(rules::Event& event, FieldId field, MatchResult match,
                                   std::string_view what) {
  switch (match.kind) {
    case MatchResult::Kind::kNoMatch:
      return std::nullopt;
    case MatchResult::Kind::kTenant:
      event.set(field, std::move(match.tenant));
      return std::nullopt;
    case MatchResult::Kind::kAmbiguous:
      break;
  }
  return Rejection{
      "ambiguous_" + std::string(what) + "_tenant",
      "the tenant that owns the " + std::string(what) + " is ambiguous or not a valid tenant id"};
}

// The one body of both overloads: with an rvalue `request`, the strings only the event needs
// afterwards (method, raw path, logical path) are moved into it instead of copied.
template <typename Request>
std::variant<rules::Event, Rejection> build_event(Request&& request, const Operation& operation,
                                                  const TenantPatterns& patterns,
                                                  const std::optional<std::string>& role,
                                                  const VerifiedIdentity& identity) {
  // Built in the result itself, and every path returns that one object (so it is not moved
  // out): moving an Event walks all of its field slots, about 2 KB, once more per request.
  std::variant<rules::Event, Rejection> result(std::in_place_type<rules::Event>,
                                               rules::Source::kVault);
  rules::Event& event = std::get<rules::Event>(result);
  event.set(FieldId::kEvtType, "vault.request");
  if (identity.source != IdentitySource::kNone && identity.tenant_id &&
      !identity.tenant_id->empty()) {
    event.set(FieldId::kTenantId, *identity.tenant_id);
  }
  event.set(FieldId::kTenantSource, identity_source_name(identity.source));
  event.set(FieldId::kVaultMethod, std::forward<Request>(request).method);
  event.set(FieldId::kVaultRawPath, std::forward<Request>(request).raw_path);
  event.set(FieldId::kVaultPath, std::forward<Request>(request).logical_path);
  event.set(FieldId::kVaultOperation, operation.name);
  event.set(FieldId::kVaultTokenExchange, operation.token_exchange);

  if (auto rejection = set_owner(event, FieldId::kVaultPathTenant,
                                 patterns.paths.match(request.canonical_path), "path")) {
    result = std::move(*rejection);
    return result;
  }
  if (!request.namespace_path.empty()) {
    event.set(FieldId::kVaultNamespace, request.namespace_path);
    if (patterns.namespace_pattern) {
      if (auto rejection =
              set_owner(event, FieldId::kVaultNamespaceTenant,
                        patterns.namespace_pattern->match(request.namespace_path), "namespace")) {
        result = std::move(*rejection);
        return result;
      }
    }
  }
  if (operation.kind == OperationKind::kLogin && role) {
    event.set(FieldId::kVaultRole, *role);
    if (auto rejection =
            set_owner(event, FieldId::kVaultRoleTenant, patterns.roles.match(*role), "role")) {
      result = std::move(*rejection);
      return result;
    }
  }
  return result;
}

}  // namespace

std::string_view identity_source_name(IdentitySource source) {
  switch (source) {
    case IdentitySource::kJwt:
      return "jwt";
    case IdentitySource::kCgroup:
      return "cgroup";
    case IdentitySource::kAccount:
      return "account";
    case IdentitySource::kNone:
      break;
  }
  return "none";
}

TenantPatterns TenantPatterns::defaults() {
  auto compiled =
      compile({"secret/data/tenants/{tenant}/**", "secret/metadata/tenants/{tenant}/**",
               "secret/delete/tenants/{tenant}/**", "secret/undelete/tenants/{tenant}/**",
               "secret/destroy/tenants/{tenant}/**", "secret/subkeys/tenants/{tenant}/**"},
              "tenants/{tenant}", {"{tenant}-*"});
  return compiled_or_die(std::move(compiled));
}

std::variant<TenantPatterns, PatternError> TenantPatterns::compile(
    const std::vector<std::string>& paths, const std::optional<std::string>& namespace_pattern,
    const std::vector<std::string>& roles) {
  TenantPatterns patterns;
  auto compiled_paths = TenantPatternSet::compile(paths);
  if (auto* failure = std::get_if<PatternError>(&compiled_paths)) return std::move(*failure);
  patterns.paths = std::get<TenantPatternSet>(std::move(compiled_paths));

  if (namespace_pattern) {
    auto compiled = TenantPattern::compile(*namespace_pattern);
    if (auto* failure = std::get_if<PatternError>(&compiled)) return std::move(*failure);
    patterns.namespace_pattern = std::get<TenantPattern>(std::move(compiled));
  }

  auto compiled_roles = TenantPatternSet::compile(roles);
  if (auto* failure = std::get_if<PatternError>(&compiled_roles)) return std::move(*failure);
  patterns.roles = std::get<TenantPatternSet>(std::move(compiled_roles));
  for (const TenantPattern& role : patterns.roles.patterns()) {
    if (role.segment_count() != 1) {
      return PatternError{"tenant role pattern \"" + role.text() +
                          "\": must be a single segment (role names have no '/')"};
    }
  }
  return patterns;
}

RequestLayout request_layout(const TenantPatterns& patterns, std::vector<std::string> kv2_mounts) {
  RequestLayout layout;
  layout.namespace_pattern = patterns.namespace_pattern;
  layout.kv2_mounts = std::move(kv2_mounts);
  return layout;
}

std::variant<rules::Event, Rejection> build_request_event(const CanonicalRequest& request,
                                                          const Operation& operation,
                                                          const TenantPatterns& patterns,
                                                          const std::optional<std::string>& role,
                                                          const VerifiedIdentity& identity) {
  return build_event(request, operation, patterns, role, identity);
}

std::variant<rules::Event, Rejection> build_request_event(CanonicalRequest&& request,
                                                          const Operation& operation,
                                                          const TenantPatterns& patterns,
                                                          const std::optional<std::string>& role,
                                                          const VerifiedIdentity& identity) {
  return build_event(std::move(request), operation, patterns, role, identity);
}

}  // namespace panguard::vault
