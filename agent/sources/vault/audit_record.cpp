#include "agent/sources/vault/audit_record.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "rules/event_json.h"
#include "rules/strict_json.h"

namespace panguard::vault {
namespace {

using nlohmann::json;
using rules::FieldId;

// Records carry client-supplied request data of any shape; a depth Vault itself accepts must
// not make the record unreadable. nlohmann parses and frees iteratively, so this is stack-safe.
constexpr int kMaxAuditJsonDepth = 512;
constexpr std::size_t kMaxOperationLength = 32;
constexpr std::size_t kMaxErrorLength = 160;

constexpr std::array<std::string_view, 6> kKv2Infixes = {"data",     "metadata", "delete",
                                                         "undelete", "destroy",  "subkeys"};

AuditError fail(std::string message) { return AuditError{std::move(message)}; }

// nlohmann's parse errors quote the bytes last read ("last read: '...'"), which may be a secret
// when log_raw is on: keep the position, drop the excerpt, and keep the message printable.
std::string json_error_without_excerpt(std::string message) {
  if (auto cut = message.find("; last read"); cut != std::string::npos) message.resize(cut);
  if (message.size() > kMaxErrorLength) message.resize(kMaxErrorLength);
  for (char& c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) c = '?';
  }
  return message;
}

// A member that is absent yields nullptr; one of the wrong type is an error.
struct Member {
  const json* value = nullptr;
  std::optional<AuditError> error;
};

Member member(const json& object, const char* key, const char* where, json::value_t type) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->type() != type) {
    const char* expected = type == json::value_t::object ? "an object" : "a string";
    return {nullptr, fail(std::string(where) + key + " must be " + expected)};
  }
  return {&*it, std::nullopt};
}

const std::string& text_of(const Member& m) { return m.value->get_ref<const std::string&>(); }

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

std::string_view without_trailing_slash(std::string_view path) {
  if (path.ends_with('/')) path.remove_suffix(1);
  return path;
}

// Vault writes canonical, namespace-relative paths; anything else did not come from Vault's
// router and is rejected. One trailing '/' (how Vault writes list requests) is allowed.
std::optional<AuditError> check_path(std::string_view path, const std::string& name) {
  const bool control = std::any_of(path.begin(), path.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) return fail(name + " contains a control character");
  if (path.starts_with('/')) return fail(name + " must not start with '/'");
  for (std::string_view segment : split_segments(without_trailing_slash(path))) {
    if (segment.empty()) return fail(name + " has an empty segment");
    if (segment == "." || segment == "..") return fail(name + " has a '.' or '..' segment");
  }
  return std::nullopt;
}

bool is_operation_name(std::string_view operation) {
  if (operation.empty() || operation.size() > kMaxOperationLength) return false;
  return std::all_of(operation.begin(), operation.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

std::optional<AuditError> parse_time(const Member& time, int64_t& out_ns) {
  if (time.error) return time.error;
  if (!time.value) return fail("missing \"time\"");
  const std::string& text = text_of(time);
  if (rules::parse_rfc3339_utc(text, out_ns)) return std::nullopt;
  const std::size_t n = text.size();
  const bool has_offset = n > 6 && (text[n - 6] == '+' || text[n - 6] == '-') && text[n - 3] == ':';
  if (has_offset) return fail("\"time\" must be UTC (ending in Z), as Vault writes it");
  return fail("\"time\" must be RFC 3339 UTC, e.g. 2026-11-29T10:00:00.123456Z");
}

// The request fields, validated. Response records repeat them.
struct RequestFields {
  const std::string* path = nullptr;
  const std::string* operation = nullptr;
  std::string_view namespace_path;  // trailing '/' removed; empty for the root namespace
};

std::optional<AuditError> read_request(const json& record, RequestFields& out) {
  auto request = member(record, "request", "", json::value_t::object);
  if (request.error) return request.error;
  if (!request.value) return fail("missing \"request\"");
  auto path = member(*request.value, "path", "request.", json::value_t::string);
  auto operation = member(*request.value, "operation", "request.", json::value_t::string);
  auto ns = member(*request.value, "namespace", "request.", json::value_t::object);
  if (path.error) return path.error;
  if (operation.error) return operation.error;
  if (ns.error) return ns.error;
  if (!path.value) return fail("missing request.path");
  if (!operation.value) return fail("missing request.operation");
  if (!ns.value) return fail("missing request.namespace");

  out.path = &text_of(path);
  if (out.path->empty()) return fail("request.path is empty");
  if (auto error = check_path(*out.path, "request.path")) return error;
  out.operation = &text_of(operation);
  if (!is_operation_name(*out.operation)) {
    return fail("request.operation must be a Vault operation name (lowercase letters and '-')");
  }
  auto ns_path = member(*ns.value, "path", "request.namespace.", json::value_t::string);
  if (ns_path.error) return ns_path.error;
  if (ns_path.value && !text_of(ns_path).empty()) {  // absent or "" for the root namespace
    if (auto error = check_path(text_of(ns_path), "request.namespace.path")) return error;
    out.namespace_path = without_trailing_slash(text_of(ns_path));
  }
  return std::nullopt;
}

// What this mapping reads from `auth`: the identity Vault attached to the token.
struct Identity {
  bool metadata_trusted = false;  // written by a trusted auth method, see AuditMapping
  const std::string* service_account_namespace = nullptr;
  const std::string* role = nullptr;
};

std::optional<AuditError> read_identity(const json& record, const AuditMapping& mapping,
                                        Identity& out) {
  auto auth = member(record, "auth", "", json::value_t::object);
  if (auth.error) return auth.error;
  if (!auth.value) return std::nullopt;
  auto display_name = member(*auth.value, "display_name", "auth.", json::value_t::string);
  auto metadata = member(*auth.value, "metadata", "auth.", json::value_t::object);
  if (display_name.error) return display_name.error;
  if (metadata.error) return metadata.error;
  if (metadata.value) {
    auto sa_namespace = member(*metadata.value, "service_account_namespace", "auth.metadata.",
                               json::value_t::string);
    auto role = member(*metadata.value, "role", "auth.metadata.", json::value_t::string);
    if (sa_namespace.error) return sa_namespace.error;
    if (role.error) return role.error;
    if (sa_namespace.value) out.service_account_namespace = &text_of(sa_namespace);
    if (role.value) out.role = &text_of(role);
  }
  if (display_name.value) {
    const std::string& name = text_of(display_name);
    out.metadata_trusted = std::any_of(
        mapping.trusted_display_name_prefixes.begin(), mapping.trusted_display_name_prefixes.end(),
        [&](const std::string& prefix) { return !prefix.empty() && name.starts_with(prefix); });
  }
  return std::nullopt;
}

VerifiedIdentity verified_identity(const Identity& identity, const AuditMapping& mapping) {
  if (!identity.metadata_trusted || !identity.service_account_namespace ||
      !mapping.namespace_to_tenant) {
    return {};
  }
  auto tenant = mapping.namespace_to_tenant(*identity.service_account_namespace);
  if (!tenant || tenant->empty()) return {};
  return {std::move(tenant), IdentitySource::kAccount};
}

// The HTTP method a client uses for a Vault operation, so that the proxy's classifier applies.
// Operations without one (help, renew, revoke, rollback, ...) classify as "other".
std::string_view method_of(std::string_view vault_operation) {
  if (vault_operation == "read") return "GET";
  if (vault_operation == "list") return "LIST";
  if (vault_operation == "create" || vault_operation == "update") return "POST";
  if (vault_operation == "patch") return "PATCH";
  if (vault_operation == "delete") return "DELETE";
  return "";
}

// The record as the canonical request the proxy would have built for it.
CanonicalRequest canonical_request(std::string_view vault_operation, std::string_view path,
                                   std::string_view namespace_path,
                                   const std::vector<std::string>& kv2_mounts) {
  CanonicalRequest request;
  request.method = std::string(method_of(vault_operation));
  request.list = request.method == "LIST";
  request.raw_path = std::string(path);
  request.had_trailing_slash = path.ends_with('/');
  request.canonical_path = std::string(without_trailing_slash(path));
  request.logical_path = logical_vault_path(path, kv2_mounts);
  request.namespace_path = std::string(namespace_path);
  return request;
}

}  // namespace

Operation audit_operation(std::string_view vault_operation, std::string_view path) {
  return classify(canonical_request(vault_operation, path, "", {}));
}

std::string logical_vault_path(std::string_view path, const std::vector<std::string>& kv2_mounts) {
  const auto segments = split_segments(without_trailing_slash(path));
  for (const std::string& mount : kv2_mounts) {
    const auto mount_segments = split_segments(mount);
    if (segments.size() <= mount_segments.size()) continue;
    if (!std::equal(mount_segments.begin(), mount_segments.end(), segments.begin())) continue;
    const std::string_view infix = segments[mount_segments.size()];
    if (std::find(kKv2Infixes.begin(), kKv2Infixes.end(), infix) == kKv2Infixes.end()) continue;
    std::string logical;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (i == mount_segments.size()) continue;
      if (!logical.empty()) logical += '/';
      logical += segments[i];
    }
    return logical;
  }
  return std::string(without_trailing_slash(path));
}

AuditResult parse_audit_record(std::string_view line, const AuditMapping& mapping) {
  std::string json_error;
  auto record = rules::parse_strict_json(line, json_error, kMaxAuditJsonDepth);
  if (!record) return fail("invalid JSON: " + json_error_without_excerpt(json_error));
  if (!record->is_object()) return fail("audit record must be a JSON object");

  auto type = member(*record, "type", "", json::value_t::string);
  if (type.error) return *type.error;
  if (!type.value) return fail("missing \"type\"");
  if (text_of(type) != "request" && text_of(type) != "response") {
    return fail("\"type\" must be \"request\" or \"response\"");
  }
  const bool is_response = text_of(type) == "response";

  int64_t time_ns = 0;
  if (auto error = parse_time(member(*record, "time", "", json::value_t::string), time_ns)) {
    return *error;
  }
  RequestFields fields;
  if (auto error = read_request(*record, fields)) return *error;
  Identity identity;
  if (auto error = read_identity(*record, mapping, identity)) return *error;

  const CanonicalRequest request =
      canonical_request(*fields.operation, *fields.path, fields.namespace_path, mapping.kv2_mounts);
  const Operation operation = classify(request);
  const bool is_login = operation.kind == OperationKind::kLogin;
  if (is_login && mapping.logins_from_responses) {
    if (!is_response) return AuditSkipped{"login request: evaluated on its response"};
  } else if (is_response && !mapping.include_responses) {
    return AuditSkipped{"response record: include_responses is off"};
  }

  // build_request_event() uses the role on logins only: a token's login role is not the role
  // of its later requests.
  std::optional<std::string> role;
  if (identity.metadata_trusted && identity.role) role = *identity.role;
  auto built = build_request_event(request, operation, mapping.tenant_patterns, role,
                                   verified_identity(identity, mapping));
  if (auto* rejection = std::get_if<Rejection>(&built)) return fail(rejection->message);
  auto& event = std::get<rules::Event>(built);
  event.set(FieldId::kEvtType, "vault.audit");
  event.set(FieldId::kEvtTime, time_ns);
  // The audit device does not record the HTTP method; the one derived above is not reported.
  event.clear(FieldId::kVaultMethod);
  if (identity.metadata_trusted && identity.service_account_namespace) {
    event.set(FieldId::kK8sNamespace, *identity.service_account_namespace);
  }
  return std::move(event);
}

}  // namespace panguard::vault
