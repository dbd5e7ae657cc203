// The agent's configuration: validated once at start, then immutable and shared read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/log/log.h"
#include "alerts/alert_json.h"
#include "rules/pack_document.h"

namespace panguard::agent {

enum class Mode { kMonitor, kEnforce };

struct ListenAddress {
  std::string host;  // IP literal, always loopback
  uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:9464", "[::1]:9464"
};

// Where the Vault proxy forwards to: `http://host:port` or `https://host:port`.
struct UpstreamAddress {
  std::string host;  // a name or an IP literal (no brackets); also the TLS name checked
  uint16_t port = 0;
  bool tls = false;               // https: verified TLS, never optional once asked for
  std::string to_string() const;  // "http://vault:8200", "https://vault:8200"
};

// vault.tls.*: TLS on the proxy's listener. Both files or neither.
struct VaultListenerTls {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key; refused if group or world can read it
  bool enabled() const { return !cert_file.empty(); }
};

// vault.*: the inline Vault proxy. Pattern texts are validated by the loader.
struct VaultSettings {
  bool enabled = false;
  ListenAddress listen{"127.0.0.1", 8201};
  std::optional<UpstreamAddress> upstream;  // required when enabled
  std::string upstream_ca_file;  // https upstream: PEM CA bundle; empty: the system trust store
  VaultListenerTls tls;
  std::string session_header = "X-Panguard-Session";
  std::vector<std::string> tenant_paths;        // default: TenantPatterns::defaults()
  std::optional<std::string> tenant_namespace;  // default: TenantPatterns::defaults()
  std::vector<std::string> tenant_roles;        // default: TenantPatterns::defaults()
  std::vector<std::string> kv2_mounts{"secret"};
};

// vault_audit.listen: exactly one of a Unix socket path or a loopback TCP address.
struct AuditListenAddress {
  std::string unix_path;             // "unix:/abs/path": set for a Unix socket
  std::optional<ListenAddress> tcp;  // "tcp:127.0.0.1:PORT": set for TCP
  std::string to_string() const;     // as written in the config: "unix:/p" or "tcp:h:p"
};

// vault_audit.*: the listener for Vault's `socket` audit device. Tenant patterns and KV v2
// mounts come from vault.* so the proxy and the audit stream agree on who owns what.
struct VaultAuditSettings {
  bool enabled = false;
  AuditListenAddress listen{"/run/panguard/vault-audit.sock", std::nullopt};
  std::size_t max_record_bytes = std::size_t{1} << 20;
  std::size_t queue_records = 10'000;
  std::size_t queue_bytes = std::size_t{64} << 20;
  bool include_responses = false;
  std::vector<std::string> trusted_display_name_prefixes{"kubernetes-"};
  std::map<std::string, std::string> namespace_tenants;  // Kubernetes namespace -> tenant id
};

// identity.jwt.*: how session JWTs are verified.
struct JwtSettings {
  std::string jwks_file;  // absolute, or resolved against the config file's directory
  std::string issuer;
  std::string audience;
  std::string tenant_claim = "tenant_id";
  int64_t leeway_seconds = 30;
};

enum class StoreBackend { kMemory, kRedis };

struct RedisAddress {
  std::string host;  // a name or an IP literal (no brackets)
  uint16_t port = 0;
};

// store.*: where counters live and what limits answer when that store cannot.
struct StoreSettings {
  StoreBackend backend = StoreBackend::kMemory;
  rules::StoreFailureMode failure_mode = rules::StoreFailureMode::kLocal;
  uint32_t expected_nodes = 1;  // `local`: each node allows 1/expected_nodes of a global rate
  int64_t degraded_report_period_ms = 60'000;
  bool redis_cluster = false;
  std::vector<RedisAddress> redis_addresses;  // required with backend redis
  int64_t connect_timeout_ms = 500;
  int64_t command_timeout_ms = 250;
  std::string redis_username;
  std::string redis_password_file;  // the password itself never sits in the config
};

// Plain values, filled by the loader; Config freezes them.
struct ConfigValues {
  std::string node_name;
  Mode mode = Mode::kMonitor;
  std::vector<std::string> rule_paths;  // empty: the embedded default pack
  ListenAddress admin_listen{"127.0.0.1", 9464};
  bool allow_event_ingest = false;
  alerts::AlertFormat alert_format = alerts::AlertFormat::kPanguard;
  log::Level log_level = log::Level::kInfo;
  VaultSettings vault;
  VaultAuditSettings vault_audit;
  JwtSettings jwt;
  StoreSettings store;
};

class Config {
 public:
  explicit Config(ConfigValues values) : values_(std::move(values)) {}

  const std::string& node_name() const { return values_.node_name; }
  Mode mode() const { return values_.mode; }
  const std::vector<std::string>& rule_paths() const { return values_.rule_paths; }
  const ListenAddress& admin_listen() const { return values_.admin_listen; }
  bool allow_event_ingest() const { return values_.allow_event_ingest; }
  alerts::AlertFormat alert_format() const { return values_.alert_format; }
  log::Level log_level() const { return values_.log_level; }
  const VaultSettings& vault() const { return values_.vault; }
  const VaultAuditSettings& vault_audit() const { return values_.vault_audit; }
  const JwtSettings& jwt() const { return values_.jwt; }
  const StoreSettings& store() const { return values_.store; }

 private:
  const ConfigValues values_;
};

}  // namespace panguard::agent
