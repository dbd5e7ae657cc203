#include "agent/config/vault_section.h"

#include <cctype>
#include <charconv>

#include "agent/config/audit_listen_address.h"
#include "agent/config/listen_address.h"
#include "agent/config/upstream_address.h"
#include "agent/config/yaml_fields.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/request_event.h"

namespace panguard::agent::config_detail {
namespace {

// vault_audit.namespace_tenants: Kubernetes namespace -> tenant id, both non-empty.
std::map<std::string, std::string> namespace_tenants(const YAML::Node& node,
                                                     const std::string& path) {
  std::map<std::string, std::string> tenants;
  if (node.IsNull()) return tenants;
  if (!node.IsMap()) throw Invalid(node.Mark(), path, "expected a mapping of namespace: tenant");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const std::string name = non_empty_string(key, path);
    const std::string item_path = path + "." + name;
    if (!tenants.emplace(name, non_empty_string(value, item_path)).second) {
      throw Invalid(key.Mark(), item_path, "duplicate key");
    }
  }
  return tenants;
}

}  // namespace

void parse_vault(const YAML::Node& node, const std::string& path, VaultSettings& vault,
                 VaultMarks& marks, std::string_view base_dir) {
  marks.vault = node.Mark();
  walk_map(node, path,
           {
               {"enabled",
                [&](const YAML::Node& n, const std::string& p) { vault.enabled = as_bool(n, p); }},
               {"listen",
                [&](const YAML::Node& n, const std::string& p) {
                  auto parsed = parse_loopback_listen(as_string(n, p));
                  if (auto* error = std::get_if<std::string>(&parsed)) {
                    // The shared message speaks of the admin API; the proxy's reason differs.
                    const bool not_loopback = error->starts_with("must be a loopback");
                    throw Invalid(n.Mark(), p,
                                  not_loopback ? "must be a loopback address (127.0.0.0/8 or ::1): "
                                                 "the proxy is a sidecar for its own pod"
                                               : *error);
                  }
                  vault.listen = std::get<ListenAddress>(parsed);
                }},
               {"upstream",
                [&](const YAML::Node& n, const std::string& p) {
                  auto parsed = parse_upstream_address(as_string(n, p));
                  if (auto* error = std::get_if<std::string>(&parsed)) {
                    throw Invalid(n.Mark(), p, *error);
                  }
                  vault.upstream = std::get<UpstreamAddress>(parsed);
                }},
               {"upstream_ca_file",
                [&](const YAML::Node& n, const std::string& p) {
                  marks.upstream_ca_file = n.Mark();
                  vault.upstream_ca_file = config_file_path(n, p, base_dir);
                }},
               {"tls",
                [&](const YAML::Node& n, const std::string& p) {
                  marks.tls = n.Mark();
                  walk_map(n, p,
                           {{"cert_file",
                             [&](const YAML::Node& m, const std::string& q) {
                               vault.tls.cert_file = config_file_path(m, q, base_dir);
                             }},
                            {"key_file", [&](const YAML::Node& m, const std::string& q) {
                               vault.tls.key_file = config_file_path(m, q, base_dir);
                             }}});
                }},
               {"session_header",
                [&](const YAML::Node& n, const std::string& p) {
                  vault.session_header = non_empty_string(n, p);
                  for (const char c : vault.session_header) {
                    const bool token_char =
                        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                    if (!token_char) {
                      throw Invalid(n.Mark(), p, "expected a header name (letters, digits, - _)");
                    }
                  }
                }},
               {"tenant_paths",
                [&](const YAML::Node& n, const std::string& p) {
                  marks.tenant_paths = n.Mark();
                  vault.tenant_paths = string_list(n, p);
                }},
               {"tenant_namespace",
                [&](const YAML::Node& n, const std::string& p) {
                  marks.tenant_namespace = n.Mark();
                  vault.tenant_namespace = non_empty_string(n, p);
                }},
               {"tenant_roles",
                [&](const YAML::Node& n, const std::string& p) {
                  marks.tenant_roles = n.Mark();
                  vault.tenant_roles = string_list(n, p);
                }},
               {"kv2_mounts", [&](const YAML::Node& n,
                                  const std::string& p) { vault.kv2_mounts = string_list(n, p); }},
               {"upstream_timeout_ms",
                [&](const YAML::Node& n, const std::string& p) {
                  vault.upstream_timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 600'000));
                }},
               {"io_threads",
                [&](const YAML::Node& n, const std::string& p) {
                  vault.io_threads = size_in_range(n, p, 1, 64);
                }},
           });
}

void parse_vault_audit(const YAML::Node& node, const std::string& path, VaultAuditSettings& audit) {
  // Bounds keep a typo from asking for gigabytes per record or an unbounded backlog.
  constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 20;
  constexpr std::size_t kMaxQueueRecords = 1'000'000;
  constexpr std::size_t kMaxQueueBytes = std::size_t{4} << 30;
  walk_map(node, path,
           {
               {"enabled",
                [&](const YAML::Node& n, const std::string& p) { audit.enabled = as_bool(n, p); }},
               {"listen",
                [&](const YAML::Node& n, const std::string& p) {
                  auto parsed = parse_audit_listen(as_string(n, p));
                  if (auto* error = std::get_if<std::string>(&parsed)) {
                    throw Invalid(n.Mark(), p, *error);
                  }
                  audit.listen = std::get<AuditListenAddress>(parsed);
                }},
               {"max_record_bytes",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.max_record_bytes = size_in_range(n, p, 1024, kMaxRecordBytes);
                }},
               {"queue_records",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.queue_records = size_in_range(n, p, 1, kMaxQueueRecords);
                }},
               {"queue_bytes",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.queue_bytes = size_in_range(n, p, 1024, kMaxQueueBytes);
                }},
               {"include_responses",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.include_responses = as_bool(n, p);
                }},
               {"trusted_display_name_prefixes",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.trusted_display_name_prefixes = string_list(n, p);
                }},
               {"namespace_tenants",
                [&](const YAML::Node& n, const std::string& p) {
                  audit.namespace_tenants = namespace_tenants(n, p);
                }},
           });
  // A record over the byte bound could never be queued: every one would be dropped.
  if (audit.queue_bytes < audit.max_record_bytes) {
    throw Invalid(node.Mark(), path + ".queue_bytes", "must be at least max_record_bytes");
  }
}

void parse_identity(const YAML::Node& node, const std::string& path, JwtSettings& jwt,
                    std::string_view base_dir) {
  walk_map(
      node, path,
      {{"jwt", [&](const YAML::Node& n, const std::string& p) {
          walk_map(
              n, p,
              {
                  {"jwks_file",
                   [&](const YAML::Node& m, const std::string& q) {
                     jwt.jwks_file = config_file_path(m, q, base_dir);
                   }},
                  {"issuer", [&](const YAML::Node& m,
                                 const std::string& q) { jwt.issuer = non_empty_string(m, q); }},
                  {"audience",
                   [&](const YAML::Node& m, const std::string& q) {
                     jwt.audience = non_empty_string(m, q);
                   }},
                  {"tenant_claim",
                   [&](const YAML::Node& m, const std::string& q) {
                     jwt.tenant_claim = non_empty_string(m, q);
                   }},
                  {"leeway_seconds",
                   [&](const YAML::Node& m, const std::string& q) {
                     const std::string text = as_string(m, q);
                     int64_t value = -1;
                     const auto [end, ec] =
                         std::from_chars(text.data(), text.data() + text.size(), value);
                     if (ec != std::errc() || end != text.data() + text.size() || value < 0 ||
                         value > vault::kMaxJwtLeewaySeconds) {
                       throw Invalid(m.Mark(), q, "expected a whole number of seconds, 0 to 60");
                     }
                     jwt.leeway_seconds = value;
                   }},
              });
        }}});
}

void finish_vault(ConfigValues& v, const VaultMarks& marks) {
  const vault::TenantPatterns defaults = vault::TenantPatterns::defaults();
  // Defaults only for keys not given: an explicit empty list means "none".
  if (marks.tenant_paths.is_null()) {
    for (const auto& pattern : defaults.paths.patterns()) {
      v.vault.tenant_paths.push_back(pattern.text());
    }
  }
  if (marks.tenant_namespace.is_null() && defaults.namespace_pattern) {
    v.vault.tenant_namespace = defaults.namespace_pattern->text();
  }
  if (marks.tenant_roles.is_null()) {
    for (const auto& pattern : defaults.roles.patterns()) {
      v.vault.tenant_roles.push_back(pattern.text());
    }
  }
  // Compiled one key at a time so an error names the key that holds the bad pattern.
  auto paths = vault::TenantPatternSet::compile(v.vault.tenant_paths);
  if (auto* error = std::get_if<vault::PatternError>(&paths)) {
    throw Invalid(marks.tenant_paths, "vault.tenant_paths", error->message);
  }
  if (v.vault.tenant_namespace) {
    auto pattern = vault::TenantPattern::compile(*v.vault.tenant_namespace);
    if (auto* error = std::get_if<vault::PatternError>(&pattern)) {
      throw Invalid(marks.tenant_namespace, "vault.tenant_namespace", error->message);
    }
  }
  auto all = vault::TenantPatterns::compile(v.vault.tenant_paths, v.vault.tenant_namespace,
                                            v.vault.tenant_roles);
  if (auto* error = std::get_if<vault::PatternError>(&all)) {
    throw Invalid(marks.tenant_roles, "vault.tenant_roles", error->message);
  }
  // TLS keys that would be silently ignored are refused instead.
  if (v.vault.tls.cert_file.empty() != v.vault.tls.key_file.empty()) {
    throw Invalid(marks.tls,
                  v.vault.tls.cert_file.empty() ? "vault.tls.cert_file" : "vault.tls.key_file",
                  "vault.tls needs both cert_file and key_file");
  }
  if (!v.vault.upstream_ca_file.empty() && v.vault.upstream && !v.vault.upstream->tls) {
    throw Invalid(marks.upstream_ca_file, "vault.upstream_ca_file",
                  "only used with an https:// vault.upstream");
  }
  if (!v.vault.enabled) return;
  // Which keys an enabled proxy cannot run without, named in the order a reader fixes them.
  if (!v.vault.upstream)
    throw Invalid(marks.vault, "vault.upstream", "required when vault.enabled is true");
  const std::pair<const std::string*, const char*> required[] = {
      {&v.jwt.jwks_file, "identity.jwt.jwks_file"},
      {&v.jwt.issuer, "identity.jwt.issuer"},
      {&v.jwt.audience, "identity.jwt.audience"},
  };
  for (const auto& [value, key] : required) {
    if (value->empty()) throw Invalid(marks.vault, key, "required when vault.enabled is true");
  }
}

}  // namespace panguard::agent::config_detail
