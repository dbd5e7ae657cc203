#include "agent/config/config_loader.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "agent/config/audit_listen_address.h"
#include "agent/config/enforce_values.h"
#include "agent/config/listen_address.h"
#include "agent/config/redis_address.h"
#include "agent/config/upstream_address.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/request_event.h"

namespace panguard::agent {
namespace {

// Thrown inside the loader only; parse_config turns it into a ConfigError.
struct Invalid : std::runtime_error {
  Invalid(const YAML::Mark& at, const std::string& key_path, const std::string& message)
      : std::runtime_error(message), mark(at), path(key_path) {}
  YAML::Mark mark;
  std::string path;
};

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Plain (unquoted) scalars only for booleans, so "yes", "on" or "true" in quotes are refused.
bool plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::string as_string(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) throw Invalid(node.Mark(), path, "expected a string");
  return node.Scalar();
}

bool as_bool(const YAML::Node& node, const std::string& path) {
  if (plain_scalar(node) && node.Scalar() == "true") return true;
  if (plain_scalar(node) && node.Scalar() == "false") return false;
  throw Invalid(node.Mark(), path, "expected true or false");
}

template <typename T>
T as_choice(const YAML::Node& node, const std::string& path,
            const std::vector<std::pair<std::string, T>>& choices) {
  std::string expected;
  for (const auto& [name, value] : choices) {
    if (node.IsScalar() && node.Scalar() == name) return value;
    expected += expected.empty() ? name : " | " + name;
  }
  throw Invalid(node.Mark(), path, "expected one of: " + expected);
}

using KeyHandler = std::function<void(const YAML::Node& value, const std::string& path)>;

// Walks a mapping: every key must be known and appear once.
void walk_map(const YAML::Node& node, const std::string& path,
              const std::map<std::string, KeyHandler>& handlers) {
  if (node.IsNull()) return;  // "admin:" with nothing under it keeps the defaults
  if (!node.IsMap())
    throw Invalid(node.Mark(), path.empty() ? "<root>" : path, "expected a mapping");
  std::map<std::string, int> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator's pair is a temporary proxy, references into it dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar())
      throw Invalid(key.Mark(), path.empty() ? "<root>" : path, "keys must be strings");
    const std::string key_path = join_path(path, key.Scalar());
    if (seen[key.Scalar()]++ > 0) throw Invalid(key.Mark(), key_path, "duplicate key");
    const auto handler = handlers.find(key.Scalar());
    if (handler == handlers.end()) {
      std::string known;
      for (const auto& [name, unused] : handlers) known += known.empty() ? name : ", " + name;
      throw Invalid(key.Mark(), key_path, "unknown key (expected one of: " + known + ")");
    }
    handler->second(value, key_path);
  }
}

std::vector<std::string> rule_paths(const YAML::Node& node, const std::string& path,
                                    std::string_view base_dir) {
  if (node.IsNull()) return {};
  if (!node.IsSequence())
    throw Invalid(node.Mark(), path, "expected a list of files or directories");
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    std::filesystem::path p = as_string(node[i], item_path);
    if (p.empty()) throw Invalid(node[i].Mark(), item_path, "must not be empty");
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    paths.push_back(p.lexically_normal().string());
  }
  return paths;
}

std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) throw Invalid(node.Mark(), path, "expected a list of strings");
  std::vector<std::string> items;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    items.push_back(as_string(node[i], item_path));
    if (items.back().empty()) throw Invalid(node[i].Mark(), item_path, "must not be empty");
  }
  return items;
}

// A list of cgroup paths relative to the cgroup v2 root (a leading "/" is accepted).
std::vector<std::string> cgroup_paths(const YAML::Node& node, const std::string& path,
                                      std::size_t max_items) {
  if (node.IsNull()) return {};
  if (!node.IsSequence() || node.size() > max_items) {
    throw Invalid(node.Mark(), path,
                  "expected a list of at most " + std::to_string(max_items) + " cgroup paths");
  }
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    auto normalized = normalize_cgroup_path(as_string(node[i], item));
    if (normalized.index() == 1) throw Invalid(node[i].Mark(), item, std::get<1>(normalized));
    paths.push_back(std::get<0>(normalized));
  }
  return paths;
}

std::string non_empty_string(const YAML::Node& node, const std::string& path) {
  std::string text = as_string(node, path);
  if (text.empty()) throw Invalid(node.Mark(), path, "must not be empty");
  return text;
}

// A file named in the config: relative paths are resolved against the config file's directory.
std::string config_file_path(const YAML::Node& node, const std::string& path,
                             std::string_view base_dir) {
  std::filesystem::path file = non_empty_string(node, path);
  if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
  return file.lexically_normal().string();
}

// Where each vault.* / identity.jwt.* key sat, so cross-key errors can point at one.
struct VaultMarks {
  YAML::Mark vault = YAML::Mark::null_mark();
  YAML::Mark tenant_paths = YAML::Mark::null_mark();
  YAML::Mark tenant_namespace = YAML::Mark::null_mark();
  YAML::Mark tenant_roles = YAML::Mark::null_mark();
  YAML::Mark upstream_ca_file = YAML::Mark::null_mark();
  YAML::Mark tls = YAML::Mark::null_mark();
};

std::size_t size_in_range(const YAML::Node& node, const std::string& path, std::size_t min,
                          std::size_t max);

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
           });
}

// A whole number in [min, max]; the message names the range.
std::size_t size_in_range(const YAML::Node& node, const std::string& path, std::size_t min,
                          std::size_t max) {
  const std::string text = as_string(node, path);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw Invalid(
        node.Mark(), path,
        "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

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

std::vector<RedisAddress> redis_addresses(const YAML::Node& node, const std::string& path) {
  std::vector<RedisAddress> addresses;
  const std::vector<std::string> items = string_list(node, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto parsed = parse_redis_address(items[i]);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      throw Invalid(node[i].Mark(), path + "[" + std::to_string(i) + "]", *error);
    }
    addresses.push_back(std::get<RedisAddress>(parsed));
  }
  if (addresses.empty()) throw Invalid(node.Mark(), path, "must name at least one address");
  return addresses;
}

void parse_redis(const YAML::Node& node, const std::string& path, StoreSettings& store,
                 std::string_view base_dir) {
  walk_map(
      node, path,
      {
          {"mode",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_cluster = as_choice<bool>(n, p, {{"single", false}, {"cluster", true}});
           }},
          {"addresses",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_addresses = redis_addresses(n, p);
           }},
          {"connect_timeout_ms",
           [&](const YAML::Node& n, const std::string& p) {
             store.connect_timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
           }},
          {"command_timeout_ms",
           [&](const YAML::Node& n, const std::string& p) {
             store.command_timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
           }},
          {"username", [&](const YAML::Node& n,
                           const std::string& p) { store.redis_username = as_string(n, p); }},
          {"password_file",
           [&](const YAML::Node& n, const std::string& p) {
             store.redis_password_file = config_file_path(n, p, base_dir);
           }},
      });
}

void parse_store(const YAML::Node& node, const std::string& path, StoreSettings& store,
                 std::string_view base_dir) {
  YAML::Mark redis_mark = YAML::Mark::null_mark();
  walk_map(node, path,
           {
               {"backend",
                [&](const YAML::Node& n, const std::string& p) {
                  store.backend = as_choice<StoreBackend>(
                      n, p, {{"memory", StoreBackend::kMemory}, {"redis", StoreBackend::kRedis}});
                }},
               {"failure_mode",
                [&](const YAML::Node& n, const std::string& p) {
                  store.failure_mode = as_choice<rules::StoreFailureMode>(
                      n, p,
                      {{"closed", rules::StoreFailureMode::kClosed},
                       {"open", rules::StoreFailureMode::kOpen},
                       {"local", rules::StoreFailureMode::kLocal}});
                }},
               {"expected_nodes",
                [&](const YAML::Node& n, const std::string& p) {
                  store.expected_nodes = static_cast<uint32_t>(size_in_range(n, p, 1, 100'000));
                }},
               {"degraded_report_period_ms",
                [&](const YAML::Node& n, const std::string& p) {
                  store.degraded_report_period_ms =
                      static_cast<int64_t>(size_in_range(n, p, 100, 86'400'000));
                }},
               {"redis",
                [&](const YAML::Node& n, const std::string& p) {
                  redis_mark = n.Mark();
                  parse_redis(n, p, store, base_dir);
                }},
           });
  if (store.backend == StoreBackend::kRedis && store.redis_addresses.empty()) {
    throw Invalid(node.Mark(), path + ".redis.addresses", "required with backend: redis");
  }
  if (store.backend == StoreBackend::kMemory && !redis_mark.is_null()) {
    throw Invalid(redis_mark, path + ".redis", "set only with backend: redis");
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
                     std::filesystem::path file = non_empty_string(m, q);
                     if (file.is_relative() && !base_dir.empty()) {
                       file = std::filesystem::path(base_dir) / file;
                     }
                     jwt.jwks_file = file.lexically_normal().string();
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

// Fills unset pattern lists from TenantPatterns::defaults() and checks that they compile.
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

// sensor.kubernetes: the API server, the service-account files and the namespace tenant label.
void parse_kubernetes(const YAML::Node& node, const std::string& path, KubernetesSettings& kube,
                      std::string_view base_dir) {
  walk_map(
      node, path,
      {
          {"enabled",
           [&](const YAML::Node& n, const std::string& p) { kube.enabled = as_bool(n, p); }},
          {"api_server",
           [&](const YAML::Node& n, const std::string& p) {
             kube.api_server = non_empty_string(n, p);
             auto parsed = parse_upstream_address(kube.api_server);
             if (auto* error = std::get_if<std::string>(&parsed)) {
               throw Invalid(n.Mark(), p, *error);
             }
             if (!std::get<UpstreamAddress>(parsed).tls) {
               throw Invalid(n.Mark(), p, "must be https://: the API server is always verified");
             }
           }},
          {"token_file",
           [&](const YAML::Node& n, const std::string& p) {
             kube.token_file = config_file_path(n, p, base_dir);
           }},
          {"ca_file",
           [&](const YAML::Node& n, const std::string& p) {
             kube.ca_file = config_file_path(n, p, base_dir);
           }},
          {"tenant_label",
           [&](const YAML::Node& n, const std::string& p) {
             kube.tenant_label = non_empty_string(n, p);
             if (kube.tenant_label.size() > 317 ||
                 kube.tenant_label.find_first_of(" \t\r\n\"") != std::string::npos) {
               throw Invalid(n.Mark(), p, "expected a label key such as panguard.io/tenant");
             }
           }},
          {"node_name", [&](const YAML::Node& n,
                            const std::string& p) { kube.node_name = non_empty_string(n, p); }},
          {"watch_timeout_s",
           [&](const YAML::Node& n, const std::string& p) {
             kube.watch_timeout_s = static_cast<int64_t>(size_in_range(n, p, 10, 3'600));
           }},
      });
}

void parse_sensor(const YAML::Node& node, const std::string& path, SensorSettings& sensor,
                  std::string_view base_dir) {
  YAML::Mark kubernetes_mark = YAML::Mark::null_mark();
  walk_map(
      node, path,
      {
          {"enabled",
           [&](const YAML::Node& n, const std::string& p) { sensor.enabled = as_bool(n, p); }},
          {"watched_ports",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() == 0 || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of 1 to 64 ports");
             }
             sensor.watched_ports.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               sensor.watched_ports.push_back(static_cast<uint16_t>(
                   size_in_range(n[i], p + "[" + std::to_string(i) + "]", 1, 65'535)));
             }
           }},
          {"nats_ports",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of at most 64 ports");
             }
             sensor.nats_ports.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               sensor.nats_ports.push_back(static_cast<uint16_t>(
                   size_in_range(n[i], p + "[" + std::to_string(i) + "]", 1, 65'535)));
             }
           }},
          {"payload_bytes",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.payload_bytes = static_cast<uint32_t>(size_in_range(n, p, 0, 256));
           }},
          {"ring_buffer_bytes",
           [&](const YAML::Node& n, const std::string& p) {
             const std::size_t bytes = size_in_range(n, p, 4096, std::size_t{1} << 30);
             if ((bytes & (bytes - 1)) != 0) throw Invalid(n.Mark(), p, "must be a power of two");
             sensor.ring_buffer_bytes = static_cast<uint32_t>(bytes);
           }},
          {"process_events", [&](const YAML::Node& n,
                                 const std::string& p) { sensor.process_events = as_bool(n, p); }},
          {"all_connects",
           [&](const YAML::Node& n, const std::string& p) { sensor.all_connects = as_bool(n, p); }},
          {"mount_tracefs", [&](const YAML::Node& n,
                                const std::string& p) { sensor.mount_tracefs = as_bool(n, p); }},
          {"drop_report_period_ms",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.drop_report_period_ms =
                 static_cast<int64_t>(size_in_range(n, p, 10, 3'600'000));
           }},
          {"drop_alert_period_ms",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.drop_alert_period_ms = static_cast<int64_t>(size_in_range(n, p, 0, 86'400'000));
           }},
          {"cgroup_root",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.cgroup_root = config_file_path(n, p, base_dir);
           }},
          {"pod_mapping_file",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.pod_mapping_file = config_file_path(n, p, base_dir);
           }},
          {"watched_cgroups",
           [&](const YAML::Node& n, const std::string& p) {
             sensor.watched_cgroups = cgroup_paths(n, p, 64);
           }},
          {"kubernetes",
           [&](const YAML::Node& n, const std::string& p) {
             kubernetes_mark = n.Mark();
             parse_kubernetes(n, p, sensor.kubernetes, base_dir);
           }},
      });
  // Two sources of pod -> tenant would disagree sooner or later; one of them must be chosen.
  if (sensor.kubernetes.enabled && !sensor.pod_mapping_file.empty()) {
    throw Invalid(kubernetes_mark, path + ".kubernetes.enabled",
                  "sensor.kubernetes and sensor.pod_mapping_file are mutually exclusive: "
                  "use one source of pod identity");
  }
}

// enforce.vault_direct: deny makes the kernel refuse, so its inputs are checked here, and a
// deny with nothing to protect or no sensor to carry it is a configuration error.
void parse_enforce(const YAML::Node& node, const std::string& path, ConfigValues& v) {
  YAML::Mark deny_mark = node.Mark();
  walk_map(
      node, path,
      {
          {"vault_direct",
           [&](const YAML::Node& n, const std::string& p) {
             deny_mark = n.Mark();
             v.enforce.deny_vault_direct = as_choice<bool>(n, p, {{"off", false}, {"deny", true}});
           }},
          {"vault_addresses",
           [&](const YAML::Node& n, const std::string& p) {
             if (!n.IsSequence() || n.size() > 64) {
               throw Invalid(n.Mark(), p, "expected a list of at most 64 \"ip:port\"");
             }
             v.enforce.vault_addresses.clear();
             for (std::size_t i = 0; i < n.size(); ++i) {
               const std::string item = p + "[" + std::to_string(i) + "]";
               auto parsed = parse_enforced_address(as_string(n[i], item));
               if (auto* error = std::get_if<std::string>(&parsed)) {
                 throw Invalid(n[i].Mark(), item, *error);
               }
               v.enforce.vault_addresses.push_back(std::get<EnforcedVaultAddress>(parsed));
             }
           }},
          {"allowed_cgroups",
           [&](const YAML::Node& n, const std::string& p) {
             v.enforce.allowed_cgroups = cgroup_paths(n, p, 64);
           }},
          {"attach_cgroup",
           [&](const YAML::Node& n, const std::string& p) {
             auto normalized = normalize_cgroup_path(as_string(n, p));
             if (normalized.index() == 1) throw Invalid(n.Mark(), p, std::get<1>(normalized));
             v.enforce.attach_cgroup = std::get<0>(normalized);
           }},
      });
  if (!v.enforce.deny_vault_direct) return;
  if (v.enforce.vault_addresses.empty()) {
    throw Invalid(deny_mark, path + ".vault_addresses", "required when vault_direct is deny");
  }
  if (!v.sensor.enabled) {
    throw Invalid(deny_mark, path + ".vault_direct",
                  "deny needs the eBPF sensor (sensor.enabled: true)");
  }
}

alerts::AlertFormat alert_format(const YAML::Node& node, const std::string& path) {
  return as_choice<alerts::AlertFormat>(
      node, path,
      {{"panguard", alerts::AlertFormat::kPanguard}, {"falco", alerts::AlertFormat::kFalco}});
}

void parse_audit_sink(std::map<std::string, KeyHandler>& handlers, alerts::AuditFileOptions& audit,
                      std::string_view base_dir, YAML::Mark& interval_mark) {
  handlers["dir"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    audit.dir = config_file_path(n, p, base_dir);
  };
  handlers["fsync"] = [&](const YAML::Node& n, const std::string& p) {
    audit.fsync = as_choice<alerts::FsyncPolicy>(n, p,
                                                 {{"always", alerts::FsyncPolicy::kAlways},
                                                  {"interval", alerts::FsyncPolicy::kInterval},
                                                  {"never", alerts::FsyncPolicy::kNever}});
  };
  handlers["fsync_interval_ms"] = [&](const YAML::Node& n, const std::string& p) {
    audit.fsync_interval_ms = static_cast<int64_t>(size_in_range(n, p, 1, 60'000));
  };
  handlers["rotate_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    audit.rotate_bytes = size_in_range(n, p, 4096, std::size_t{1} << 40);
  };
  handlers["checkpoint_interval_s"] = [&](const YAML::Node& n, const std::string& p) {
    interval_mark = n.Mark();
    audit.checkpoint_interval_s = static_cast<int64_t>(size_in_range(n, p, 0, 86'400));
  };
  handlers["node_key_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    audit.node_key_file = config_file_path(n, p, base_dir);
  };
  handlers["queue_records"] = [&](const YAML::Node& n, const std::string& p) {
    audit.queue_records = size_in_range(n, p, 1, 10'000'000);
  };
}

void parse_webhook_sink(std::map<std::string, KeyHandler>& handlers, WebhookSinkSettings& hook,
                        std::string_view base_dir) {
  handlers["url"] = [&](const YAML::Node& n, const std::string& p) {
    hook.url = non_empty_string(n, p);
  };
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["secret_files"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.secret_files = rule_paths(n, p, base_dir);
    if (hook.secret_files.empty()) throw Invalid(n.Mark(), p, "must name at least one file");
  };
  handlers["spool_dir"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.spool_dir = config_file_path(n, p, base_dir);
  };
  handlers["spool_max_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    hook.spool_max_bytes = size_in_range(n, p, 4096, std::size_t{1} << 40);
  };
  handlers["timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    hook.timeout_ms = static_cast<int64_t>(size_in_range(n, p, 1, 600'000));
  };
  handlers["max_in_flight"] = [&](const YAML::Node& n, const std::string& p) {
    hook.max_in_flight = size_in_range(n, p, 1, 256);
  };
  handlers["max_batch"] = [&](const YAML::Node& n, const std::string& p) {
    hook.max_batch = size_in_range(n, p, 1, 100'000);
  };
  handlers["dead_letter_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    hook.dead_letter_file = config_file_path(n, p, base_dir);
  };
}

int64_t millis_in_range(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  return static_cast<int64_t>(
      size_in_range(node, path, static_cast<std::size_t>(min), static_cast<std::size_t>(max)));
}

// A secret given inline instead of as a file: refused with the key to use instead, so the
// error says why rather than only "unknown key".
void refuse_inline_secret(std::map<std::string, KeyHandler>& handlers, const std::string& key,
                          const std::string& file_key) {
  handlers[key] = [file_key](const YAML::Node& n, const std::string& p) {
    throw Invalid(n.Mark(), p,
                  "secrets never sit in the config: put it in a file and name it in " + file_key);
  };
}

// "scheme://host[:port]..." with one of `schemes` and a non-empty host: the config error points
// at the key; the sink's own constructor re-checks everything else at start.
void check_url(const YAML::Node& node, const std::string& path, const std::string& url,
               std::initializer_list<std::string_view> schemes) {
  std::string expected;
  for (const std::string_view scheme : schemes) {
    const std::string prefix = std::string(scheme) + "://";
    if (url.starts_with(prefix)) {
      const std::string rest = url.substr(prefix.size());
      if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
        throw Invalid(node.Mark(), path, "missing host in " + url);
      }
      return;
    }
    expected += expected.empty() ? prefix : " or " + prefix;
  }
  throw Invalid(node.Mark(), path, "expected a URL starting with " + expected);
}

// Where each nats sink key sat, for the cross-key checks after the walk.
struct NatsMarks {
  YAML::Mark ca_file = YAML::Mark::null_mark();
  YAML::Mark backoff = YAML::Mark::null_mark();
  std::vector<YAML::Mark> auth;  // one per authentication key given
};

void parse_nats_sink(std::map<std::string, KeyHandler>& handlers, SinkSettings& sink,
                     std::string_view base_dir, NatsMarks& marks) {
  NatsSinkSettings& nats = sink.nats;
  handlers["servers"] = [&](const YAML::Node& n, const std::string& p) {
    nats.servers = string_list(n, p);
    if (nats.servers.empty()) throw Invalid(n.Mark(), p, "must name at least one server");
    for (std::size_t i = 0; i < nats.servers.size(); ++i) {
      const std::string item = p + "[" + std::to_string(i) + "]";
      check_url(n[i], item, nats.servers[i], {"nats", "tls"});
      // nats.c splits a server string on commas: one URL per item, no blanks.
      if (nats.servers[i].find_first_of(" \t\r\n,") != std::string::npos) {
        throw Invalid(n[i].Mark(), item, "one URL per item, without spaces or commas");
      }
    }
  };
  handlers["credentials_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.credentials_file = config_file_path(n, p, base_dir);
  };
  handlers["user"] = [&](const YAML::Node& n, const std::string& p) {
    nats.user = non_empty_string(n, p);
  };
  handlers["password_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.password_file = config_file_path(n, p, base_dir);
  };
  handlers["token_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.auth.push_back(n.Mark());
    nats.token_file = config_file_path(n, p, base_dir);
  };
  refuse_inline_secret(handlers, "password", "password_file");
  refuse_inline_secret(handlers, "token", "token_file");
  refuse_inline_secret(handlers, "credentials", "credentials_file");
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    marks.ca_file = n.Mark();
    nats.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["stream"] = [&](const YAML::Node& n, const std::string& p) {
    nats.stream = non_empty_string(n, p);
    // JetStream stream names are one subject token: no separators, wildcards or blanks.
    for (const char c : nats.stream) {
      const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      if (!ok || nats.stream.size() > 64) {
        throw Invalid(n.Mark(), p, "expected a stream name (letters, digits, - _; at most 64)");
      }
    }
  };
  handlers["create_stream"] = [&](const YAML::Node& n, const std::string& p) {
    nats.create_stream = as_bool(n, p);
  };
  handlers["duplicate_window_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.duplicate_window_ms = millis_in_range(n, p, 1'000, 86'400'000);
  };
  handlers["queue_size"] = [&](const YAML::Node& n, const std::string& p) {
    nats.queue_size = size_in_range(n, p, 1, 10'000'000);
  };
  handlers["max_in_flight"] = [&](const YAML::Node& n, const std::string& p) {
    nats.max_in_flight = size_in_range(n, p, 1, 1'000'000);
  };
  handlers["ack_timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.ack_timeout_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["reconnect_buffer_bytes"] = [&](const YAML::Node& n, const std::string& p) {
    nats.reconnect_buffer_bytes = size_in_range(n, p, 0, std::size_t{1} << 30);
  };
  handlers["reconnect_wait_ms"] = [&](const YAML::Node& n, const std::string& p) {
    nats.reconnect_wait_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["backoff_min_ms"] = [&](const YAML::Node& n, const std::string& p) {
    marks.backoff = n.Mark();
    nats.backoff_min_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["backoff_max_ms"] = [&](const YAML::Node& n, const std::string& p) {
    marks.backoff = n.Mark();
    nats.backoff_max_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["format"] = [&](const YAML::Node& n, const std::string& p) {
    sink.format = alert_format(n, p);
  };
}

void finish_nats_sink(const YAML::Node& node, const std::string& path, const NatsSinkSettings& nats,
                      const NatsMarks& marks) {
  if (nats.servers.empty()) throw Invalid(node.Mark(), path + ".servers", "required");
  const bool has_password = !nats.password_file.empty();
  if (!nats.user.empty() && !has_password) {
    throw Invalid(node.Mark(), path + ".password_file", "required with user");
  }
  if (has_password && nats.user.empty()) {
    throw Invalid(node.Mark(), path + ".user", "required with password_file");
  }
  if (marks.auth.size() > 1) {
    throw Invalid(marks.auth[1], path,
                  "at most one authentication method: credentials_file, user + password_file, "
                  "or token_file");
  }
  if (!nats.ca_file.empty()) {
    const bool any_tls =
        std::any_of(nats.servers.begin(), nats.servers.end(),
                    [](const std::string& url) { return url.starts_with("tls://"); });
    if (!any_tls) throw Invalid(marks.ca_file, path + ".ca_file", "set only with tls:// servers");
  }
  if (nats.backoff_min_ms > nats.backoff_max_ms) {
    throw Invalid(marks.backoff, path + ".backoff_min_ms", "must not exceed backoff_max_ms");
  }
}

void parse_alertmanager_sink(std::map<std::string, KeyHandler>& handlers,
                             AlertmanagerSinkSettings& am, std::string_view base_dir,
                             YAML::Mark& ca_mark, YAML::Mark& backoff_mark) {
  handlers["url"] = [&](const YAML::Node& n, const std::string& p) {
    am.url = non_empty_string(n, p);
    check_url(n, p, am.url, {"http", "https"});
  };
  handlers["ca_file"] = [&, base_dir](const YAML::Node& n, const std::string& p) {
    ca_mark = n.Mark();
    am.ca_file = config_file_path(n, p, base_dir);
  };
  handlers["resolve_timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.resolve_timeout_ms = millis_in_range(n, p, 1'000, 30LL * 86'400'000);
  };
  handlers["max_batch"] = [&](const YAML::Node& n, const std::string& p) {
    am.max_batch = size_in_range(n, p, 1, 10'000);
  };
  handlers["batch_linger_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.batch_linger_ms = millis_in_range(n, p, 0, 60'000);
  };
  handlers["queue_size"] = [&](const YAML::Node& n, const std::string& p) {
    am.queue_size = size_in_range(n, p, 1, 10'000'000);
  };
  handlers["timeout_ms"] = [&](const YAML::Node& n, const std::string& p) {
    am.timeout_ms = millis_in_range(n, p, 1, 600'000);
  };
  handlers["backoff_min_ms"] = [&](const YAML::Node& n, const std::string& p) {
    backoff_mark = n.Mark();
    am.backoff_min_ms = millis_in_range(n, p, 1, 3'600'000);
  };
  handlers["backoff_max_ms"] = [&](const YAML::Node& n, const std::string& p) {
    backoff_mark = n.Mark();
    am.backoff_max_ms = millis_in_range(n, p, 1, 3'600'000);
  };
}

// alerts.routes[i].sink: `type` picks which other keys are allowed.
void parse_sink(const YAML::Node& node, const std::string& path, SinkSettings& sink,
                std::string_view base_dir) {
  if (!node.IsMap()) throw Invalid(node.Mark(), path, "expected a mapping");
  const YAML::Node type = node["type"];
  if (!type) {
    throw Invalid(node.Mark(), path + ".type",
                  "required (stdout | audit_file | webhook | nats | alertmanager)");
  }
  sink.type = as_choice<SinkType>(type, path + ".type",
                                  {{"stdout", SinkType::kStdout},
                                   {"audit_file", SinkType::kAuditFile},
                                   {"webhook", SinkType::kWebhook},
                                   {"nats", SinkType::kNats},
                                   {"alertmanager", SinkType::kAlertmanager}});
  std::map<std::string, KeyHandler> handlers{
      {"type", [](const YAML::Node&, const std::string&) {}}};
  YAML::Mark interval_mark = YAML::Mark::null_mark();
  NatsMarks nats_marks;
  YAML::Mark ca_mark = YAML::Mark::null_mark();
  YAML::Mark backoff_mark = YAML::Mark::null_mark();
  switch (sink.type) {
    case SinkType::kStdout:
      handlers["format"] = [&](const YAML::Node& n, const std::string& p) {
        sink.format = alert_format(n, p);
      };
      break;
    case SinkType::kAuditFile:
      parse_audit_sink(handlers, sink.audit, base_dir, interval_mark);
      break;
    case SinkType::kWebhook:
      parse_webhook_sink(handlers, sink.webhook, base_dir);
      break;
    case SinkType::kNats:
      parse_nats_sink(handlers, sink, base_dir, nats_marks);
      break;
    case SinkType::kAlertmanager:
      parse_alertmanager_sink(handlers, sink.alertmanager, base_dir, ca_mark, backoff_mark);
      break;
  }
  walk_map(node, path, handlers);
  if (sink.type == SinkType::kNats) finish_nats_sink(node, path, sink.nats, nats_marks);
  if (sink.type == SinkType::kAlertmanager) {
    const AlertmanagerSinkSettings& am = sink.alertmanager;
    if (am.url.empty()) throw Invalid(node.Mark(), path + ".url", "required");
    if (!am.ca_file.empty() && !am.url.starts_with("https://")) {
      throw Invalid(ca_mark, path + ".ca_file", "set only with an https:// url");
    }
    if (am.backoff_min_ms > am.backoff_max_ms) {
      throw Invalid(backoff_mark, path + ".backoff_min_ms", "must not exceed backoff_max_ms");
    }
  }
  if (sink.type == SinkType::kAuditFile) {
    if (sink.audit.dir.empty()) throw Invalid(node.Mark(), path + ".dir", "required");
    // Checkpoints need the key; the default interval only applies when a key is given.
    if (sink.audit.node_key_file.empty()) {
      if (!interval_mark.is_null() && sink.audit.checkpoint_interval_s > 0) {
        throw Invalid(interval_mark, path + ".checkpoint_interval_s",
                      "checkpoints are signed: node_key_file is required");
      }
      sink.audit.checkpoint_interval_s = 0;
    }
  }
  if (sink.type == SinkType::kWebhook) {
    const std::pair<bool, const char*> required[] = {
        {sink.webhook.url.empty(), "url"},
        {sink.webhook.secret_files.empty(), "secret_files"},
        {sink.webhook.spool_dir.empty(), "spool_dir"}};
    for (const auto& [missing, key] : required) {
      if (missing) throw Invalid(node.Mark(), path + "." + key, "required");
    }
  }
}

AlertRoute alert_route(const YAML::Node& node, const std::string& path, std::string_view base_dir) {
  if (!node.IsMap()) throw Invalid(node.Mark(), path, "expected a mapping");
  AlertRoute route;
  YAML::Mark tenant_mark = YAML::Mark::null_mark();
  YAML::Mark include_mark = YAML::Mark::null_mark();
  bool has_scope = false;
  bool has_sink = false;
  walk_map(node, path,
           {
               {"name", [&](const YAML::Node& n,
                            const std::string& p) { route.name = non_empty_string(n, p); }},
               {"scope",
                [&](const YAML::Node& n, const std::string& p) {
                  has_scope = true;
                  route.scope = as_choice<alerts::RouteScope>(
                      n, p,
                      {{"tenant", alerts::RouteScope::kTenant},
                       {"all_tenants", alerts::RouteScope::kAllTenants},
                       {"platform", alerts::RouteScope::kPlatform}});
                }},
               {"tenant",
                [&](const YAML::Node& n, const std::string& p) {
                  tenant_mark = n.Mark();
                  route.tenant = non_empty_string(n, p);
                }},
               {"min_priority",
                [&](const YAML::Node& n, const std::string& p) {
                  const auto priority = rules::parse_priority(as_string(n, p));
                  if (!priority) {
                    throw Invalid(n.Mark(), p,
                                  "expected a priority (emergency, alert, critical, error, "
                                  "warning, notice, informational, debug)");
                  }
                  route.min_priority = *priority;
                }},
               {"include_platform",
                [&](const YAML::Node& n, const std::string& p) {
                  include_mark = n.Mark();
                  route.include_platform = as_bool(n, p);
                }},
               {"sink",
                [&](const YAML::Node& n, const std::string& p) {
                  has_sink = true;
                  parse_sink(n, p, route.sink, base_dir);
                }},
           });
  if (route.name.empty()) throw Invalid(node.Mark(), path + ".name", "required");
  if (!has_scope) {
    throw Invalid(node.Mark(), path + ".scope", "required (tenant | all_tenants | platform)");
  }
  if (!has_sink) throw Invalid(node.Mark(), path + ".sink", "required");
  if (route.scope == alerts::RouteScope::kTenant && route.tenant.empty()) {
    throw Invalid(node.Mark(), path + ".tenant", "required with scope: tenant");
  }
  if (route.scope != alerts::RouteScope::kTenant && !tenant_mark.is_null()) {
    throw Invalid(tenant_mark, path + ".tenant", "set only with scope: tenant");
  }
  if (route.scope != alerts::RouteScope::kAllTenants && !include_mark.is_null()) {
    throw Invalid(include_mark, path + ".include_platform", "set only with scope: all_tenants");
  }
  return route;
}

std::vector<AlertRoute> alert_routes(const YAML::Node& node, const std::string& path,
                                     std::string_view base_dir) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) throw Invalid(node.Mark(), path, "expected a list of routes");
  std::vector<AlertRoute> routes;
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> owned_dirs;  // a directory one sink writes, by its owner
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    routes.push_back(alert_route(node[i], item_path, base_dir));
    const AlertRoute& route = routes.back();
    if (!names.emplace(route.name, item_path).second) {
      throw Invalid(node[i]["name"].Mark(), item_path + ".name",
                    "duplicate route name (also " + names[route.name] + ")");
    }
    // Two writers on one audit directory or spool would corrupt each other's chains.
    std::string dir;
    if (route.sink.type == SinkType::kAuditFile) dir = route.sink.audit.dir;
    if (route.sink.type == SinkType::kWebhook) dir = route.sink.webhook.spool_dir;
    // "/x" and "/x/" are one directory.
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (!dir.empty() && !owned_dirs.emplace(dir, item_path).second) {
      throw Invalid(node[i]["sink"].Mark(), item_path + ".sink",
                    "directory " + dir + " is already used by " + owned_dirs[dir]);
    }
  }
  return routes;
}

ConfigValues parse_values(const YAML::Node& root, std::string_view base_dir) {
  ConfigValues v;
  VaultMarks vault_marks;
  walk_map(
      root, "",
      {
          {"node_name",
           [&](const YAML::Node& n, const std::string& p) {
             v.node_name = as_string(n, p);
             if (v.node_name.empty()) throw Invalid(n.Mark(), p, "must not be empty");
           }},
          {"mode",
           [&](const YAML::Node& n, const std::string& p) {
             v.mode =
                 as_choice<Mode>(n, p, {{"monitor", Mode::kMonitor}, {"enforce", Mode::kEnforce}});
           }},
          {"rules",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p, {{"paths", [&](const YAML::Node& m, const std::string& q) {
                                v.rule_paths = rule_paths(m, q, base_dir);
                              }}});
           }},
          {"admin",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p,
                      {{"listen",
                        [&](const YAML::Node& m, const std::string& q) {
                          auto parsed = parse_loopback_listen(as_string(m, q));
                          if (auto* error = std::get_if<std::string>(&parsed)) {
                            throw Invalid(m.Mark(), q, *error);
                          }
                          v.admin_listen = std::get<ListenAddress>(parsed);
                        }},
                       {"allow_event_ingest", [&](const YAML::Node& m, const std::string& q) {
                          v.allow_event_ingest = as_bool(m, q);
                        }}});
           }},
          {"alerts",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(
                 n, p,
                 {{"format", [&](const YAML::Node& m,
                                 const std::string& q) { v.alert_format = alert_format(m, q); }},
                  {"routes",
                   [&](const YAML::Node& m, const std::string& q) {
                     v.alert_routes = alert_routes(m, q, base_dir);
                   }},
                  {"summary_period_ms", [&](const YAML::Node& m, const std::string& q) {
                     v.summary_period_ms = static_cast<int64_t>(size_in_range(m, q, 0, 86'400'000));
                     if (v.summary_period_ms > 0 && v.summary_period_ms < 1'000) {
                       throw Invalid(m.Mark(), q, "expected 0 (off) or at least 1000");
                     }
                   }}});
           }},
          {"log",
           [&](const YAML::Node& n, const std::string& p) {
             walk_map(n, p, {{"level", [&](const YAML::Node& m, const std::string& q) {
                                v.log_level =
                                    as_choice<log::Level>(m, q,
                                                          {{"debug", log::Level::kDebug},
                                                           {"info", log::Level::kInfo},
                                                           {"warning", log::Level::kWarning},
                                                           {"error", log::Level::kError}});
                              }}});
           }},
          {"vault",
           [&](const YAML::Node& n, const std::string& p) {
             parse_vault(n, p, v.vault, vault_marks, base_dir);
           }},
          {"vault_audit", [&](const YAML::Node& n,
                              const std::string& p) { parse_vault_audit(n, p, v.vault_audit); }},
          {"identity", [&](const YAML::Node& n,
                           const std::string& p) { parse_identity(n, p, v.jwt, base_dir); }},
          {"store", [&](const YAML::Node& n,
                        const std::string& p) { parse_store(n, p, v.store, base_dir); }},
          {"sensor", [&](const YAML::Node& n,
                         const std::string& p) { parse_sensor(n, p, v.sensor, base_dir); }},
          {"enforce", [](const YAML::Node&, const std::string&) {}},  // below, after sensor
      });
  finish_vault(v, vault_marks);
  // After sensor.*, whatever the key order: a deny needs the sensor.
  if (const YAML::Node enforce = root["enforce"]) parse_enforce(enforce, "enforce", v);
  return v;
}

std::string position(std::string_view display_name, const YAML::Mark& mark) {
  std::string out(display_name);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return out;
}

}  // namespace

ConfigResult parse_config(std::string_view yaml_text, std::string_view display_name,
                          std::string_view base_dir, std::string_view default_node_name) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    ConfigValues values = parse_values(root, base_dir);
    if (values.node_name.empty()) values.node_name = std::string(default_node_name);
    return std::make_shared<const Config>(std::move(values));
  } catch (const Invalid& e) {
    return ConfigError{position(display_name, e.mark) + ": " + e.path + ": " + e.what()};
  } catch (const YAML::Exception& e) {
    return ConfigError{position(display_name, e.mark) + ": invalid YAML: " + e.msg};
  }
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError{path + ": cannot read config file", true};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigError{path + ": error while reading config file", true};
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return parse_config(text.str(), path, base_dir, host_name());
}

std::shared_ptr<const Config> default_config() {
  return std::get<std::shared_ptr<const Config>>(parse_config("", "<defaults>", "", host_name()));
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

}  // namespace panguard::agent
