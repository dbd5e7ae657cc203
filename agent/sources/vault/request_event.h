// One proxied Vault request -> the normalized Event the rules see (evt.type vault.request).
// tenant.* comes from the verified identity alone, never from the body, query or path; the
// path, namespace and role only say which tenant owns what the request touches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/sources/vault/operation.h"
#include "agent/sources/vault/request_target.h"
#include "agent/sources/vault/tenant_pattern.h"
#include "rules/event.h"

namespace panguard::vault {

enum class IdentitySource : uint8_t { kNone, kJwt, kCgroup, kAccount };

// The tenant.source value: none | jwt | cgroup | account.
std::string_view identity_source_name(IdentitySource source);

// Who is asking, as established by the session JWT, the pod cgroup or Vault auth metadata.
// A tenant id without a verified source is not a tenant: it is not put in the event.
struct VerifiedIdentity {
  std::optional<std::string> tenant_id;
  IdentitySource source = IdentitySource::kNone;
};

// vault.tenant_paths, vault.tenant_namespace and vault.tenant_roles, compiled.
struct TenantPatterns {
  TenantPatternSet paths;                          // matched against the canonical path
  std::optional<TenantPattern> namespace_pattern;  // matched against the effective namespace
  TenantPatternSet roles;                          // matched against a login role (one segment)

  // paths: secret/{data,metadata,delete,undelete,destroy,subkeys}/tenants/{tenant}/**;
  // namespace: tenants/{tenant}; roles: {tenant}-*.
  static TenantPatterns defaults();

  // Role patterns must be a single segment: a role name has no '/'.
  static std::variant<TenantPatterns, PatternError> compile(
      const std::vector<std::string>& paths, const std::optional<std::string>& namespace_pattern,
      const std::vector<std::string>& roles);
};

// The canonicalization layout that goes with `patterns` (its namespace pattern).
RequestLayout request_layout(const TenantPatterns& patterns,
                             std::vector<std::string> kv2_mounts = {"secret"});

// `role` is the one extract_login_role() found; it is used only when `operation` is a login.
// Any ambiguous tenant match (a capture that splits more than one way or is no valid tenant id)
// is rejected: nobody could tell which tenant's rules apply.
std::variant<rules::Event, Rejection> build_request_event(const CanonicalRequest& request,
                                                          const Operation& operation,
                                                          const TenantPatterns& patterns,
                                                          const std::optional<std::string>& role,
                                                          const VerifiedIdentity& identity);

// The same, giving the request up: its method, raw path and logical path move into the event
// (the proxy's hot path builds one event per request and needs the request no more).
std::variant<rules::Event, Rejection> build_request_event(CanonicalRequest&& request,
                                                          const Operation& operation,
                                                          const TenantPatterns& patterns,
                                                          const std::optional<std::string>& role,
                                                          const VerifiedIdentity& identity);

}  // namespace panguard::vault
