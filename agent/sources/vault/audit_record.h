// Vault `socket` audit device records (one JSON object per line) -> the normalized Event the
// rules evaluate, with evt.type "vault.audit". docs/vault-audit.md describes the mapping.
//
// The record is untrusted input: strict JSON (duplicate keys rejected), every field this mapping
// reads is type-checked, and anything malformed is an AuditError, never repaired. Only the fields
// listed in the docs are read; tokens, accessors and request/response data are never copied.
// The event is built by the inline proxy's build_request_event(), so both ways of watching
// Vault classify operations, match tenant patterns and fill fields identically.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/sources/vault/operation.h"
#include "agent/sources/vault/request_event.h"
#include "rules/event.h"

namespace panguard::vault {

// Tenant of a Kubernetes service-account namespace; nullopt or "" when no tenant owns it.
using NamespaceTenantLookup = std::function<std::optional<std::string>(std::string_view)>;

struct AuditMapping {
  // KV v2 mounts (as in RequestLayout): their data|metadata|delete|undelete|destroy|subkeys
  // infix is dropped from vault.path.
  std::vector<std::string> kv2_mounts{"secret"};
  // vault.tenant_paths / tenant_namespace / tenant_roles; empty patterns own nothing.
  TenantPatterns tenant_patterns;

  // Tenant of auth.metadata.service_account_namespace. Unset: no record has a tenant.
  NamespaceTenantLookup namespace_to_tenant;
  // auth.metadata is trusted only on tokens whose auth.display_name starts with one of these:
  // Vault prefixes it with the auth mount that wrote the metadata ("kubernetes-" for a login at
  // auth/kubernetes/), whereas auth/token/create, which lets a caller choose any metadata, always
  // yields "token..." names.
  std::vector<std::string> trusted_display_name_prefixes{"kubernetes-"};

  // Vault writes each request twice (type request, then response). By default only requests
  // are evaluated, so each request is evaluated once...
  bool include_responses = false;
  // ...except logins: a login request carries no identity yet, its response carries the new
  // token's verified auth. When true, login requests are skipped and login responses mapped.
  bool logins_from_responses = true;
};

struct AuditError {
  std::string message;  // names the field and the expectation; never echoes values
};

// A well-formed record this mapping does not evaluate (see include_responses).
struct AuditSkipped {
  std::string_view reason;
};

using AuditResult = std::variant<rules::Event, AuditSkipped, AuditError>;

AuditResult parse_audit_record(std::string_view line, const AuditMapping& mapping);

// The proxy's classification of a Vault operation (create, read, update, patch, delete, list,
// renew, ...) on a namespace-relative path.
Operation audit_operation(std::string_view vault_operation, std::string_view path);

// vault.path: the namespace-relative path with the KV v2 infix and a trailing '/' removed.
std::string logical_vault_path(std::string_view path, const std::vector<std::string>& kv2_mounts);

}  // namespace panguard::vault
