// The agent's configuration: validated once at start, then immutable and shared read-only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/log/log.h"
#include "alerts/alert_json.h"
#include "alerts/audit/audit_options.h"
#include "alerts/route_scope.h"
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
  // Deadline on each upstream read: the response header, then every piece of a streamed body.
  int64_t upstream_timeout_ms = 30'000;
  // Proxy shards, each with its own io thread, listener (SO_REUSEPORT), upstream pool and JWT
  // cache; 1 keeps the proxy on the agent's main io thread.
  std::size_t io_threads = 1;
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

// sensor.kubernetes.*: pods on this node and namespace tenants from the Kubernetes API
// (docs/identity-cgroups.md). Exclusive with sensor.pod_mapping_file.
struct KubernetesSettings {
  bool enabled = false;
  std::string api_server;  // "https://host:port"; empty: KUBERNETES_SERVICE_HOST/PORT at start
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string tenant_label = "panguard.io/tenant";
  std::string node_name;  // empty: the agent's node_name
  int64_t watch_timeout_s = 300;
};

// sensor.*: the eBPF sensor (docs/ebpf.md) and the workload identity it attributes events with
// (docs/identity-cgroups.md). When the kernel or privileges refuse, the agent runs without it.
struct SensorSettings {
  // On by default ("eBPF if privileged"): an unprivileged agent degrades and runs on.
  bool enabled = true;
  std::vector<uint16_t> watched_ports{8200, 4222};  // Vault, NATS
  std::vector<uint16_t> nats_ports{4222};           // watched ports whose sends are parsed as NATS
  uint32_t payload_bytes = 128;                     // captured per send, at most 256
  uint32_t ring_buffer_bytes = 1u << 20;            // power of two, at least 4096
  bool process_events = true;                       // process.exec / process.exit
  bool all_connects = false;  // network.connect for every port, not only watched ones
  int64_t drop_report_period_ms = 5'000;
  int64_t drop_alert_period_ms = 60'000;
  std::string cgroup_root;       // empty: the cgroup2 mount from /proc/self/mountinfo
  std::string pod_mapping_file;  // static pod UID -> namespace/name, namespace -> tenant
  KubernetesSettings kubernetes;
  // exec/exit only from these cgroup subtrees (relative to the cgroup v2 root); empty: all.
  std::vector<std::string> watched_cgroups;
};

// enforce.vault_addresses[]: "10.0.0.5:8200" or "[fd00::5]:8200".
struct EnforcedVaultAddress {
  std::array<uint8_t, 16> address{};  // IPv6, or IPv4 as IPv4-mapped IPv6; network byte order
  uint16_t port = 0;
  std::string text;  // as written, for log lines
};

// enforce.*: in-kernel enforcement (docs/ebpf.md "Enforcement"). Needs the sensor; a deny that
// cannot be put in place stops startup.
struct EnforceSettings {
  bool deny_vault_direct = false;  // vault_direct: off | deny
  std::vector<EnforcedVaultAddress> vault_addresses;
  std::vector<std::string> allowed_cgroups;  // subtrees, relative to the cgroup v2 root
  std::string attach_cgroup;                 // relative to the cgroup v2 root; "" = the root
};

// alerts.routes[].sink with type webhook: the config keys alerts/webhook/webhook_sink.h lists.
struct WebhookSinkSettings {
  std::string url;
  std::string ca_file;
  std::vector<std::string> secret_files;  // read at start; the secrets never sit in the config
  std::string spool_dir;
  uint64_t spool_max_bytes = uint64_t{256} << 20;
  int64_t timeout_ms = 10'000;
  std::size_t max_in_flight = 4;
  std::size_t max_batch = 500;
  std::string dead_letter_file;  // empty: <spool_dir>/dead-letter.jsonl
};

// alerts.routes[].sink with type nats: the config keys alerts/nats/nats_sink.h lists. Secrets
// (credentials, password, token) only as files, read at start.
struct NatsSinkSettings {
  std::vector<std::string> servers;  // nats:// or tls:// URLs
  std::string credentials_file;
  std::string user;
  std::string password_file;
  std::string token_file;
  std::string ca_file;
  std::string stream = "PANGUARD_ALERTS";
  bool create_stream = true;
  int64_t duplicate_window_ms = 120'000;
  std::size_t queue_size = 65'536;
  std::size_t max_in_flight = 4'096;
  int64_t ack_timeout_ms = 5'000;
  std::size_t reconnect_buffer_bytes = 0;  // 0: max_in_flight * 2 KiB
  int64_t reconnect_wait_ms = 250;
  int64_t backoff_min_ms = 100;
  int64_t backoff_max_ms = 5'000;
};

// alerts.routes[].sink with type alertmanager: alerts/alertmanager/alertmanager_sink.h.
struct AlertmanagerSinkSettings {
  std::string url;
  std::string ca_file;
  int64_t resolve_timeout_ms = 300'000;
  std::size_t max_batch = 64;
  int64_t batch_linger_ms = 20;
  std::size_t queue_size = 10'000;
  int64_t timeout_ms = 10'000;
  int64_t backoff_min_ms = 200;
  int64_t backoff_max_ms = 30'000;
};

enum class SinkType { kStdout, kAuditFile, kWebhook, kNats, kAlertmanager };

struct SinkSettings {
  SinkType type = SinkType::kStdout;
  std::optional<alerts::AlertFormat> format;  // stdout, nats; unset: alerts.format
  alerts::AuditFileOptions audit;             // audit_file
  WebhookSinkSettings webhook;                // webhook
  NatsSinkSettings nats;                      // nats
  AlertmanagerSinkSettings alertmanager;      // alertmanager
};

// alerts.routes[]: which alerts (scope, tenant, min_priority) go to which sink.
struct AlertRoute {
  std::string name;
  alerts::RouteScope scope = alerts::RouteScope::kAllTenants;
  std::string tenant;  // scope tenant only
  rules::Priority min_priority = rules::Priority::kDebug;
  bool include_platform = false;  // scope all_tenants only
  SinkSettings sink;
};

// Plain values, filled by the loader; Config freezes them.
struct ConfigValues {
  std::string node_name;
  Mode mode = Mode::kMonitor;
  std::vector<std::string> rule_paths;  // empty: the embedded default pack
  ListenAddress admin_listen{"127.0.0.1", 9464};
  bool allow_event_ingest = false;
  alerts::AlertFormat alert_format = alerts::AlertFormat::kPanguard;
  std::vector<AlertRoute> alert_routes;  // empty: every alert as JSON lines on stdout
  // Per-tenant summary alerts (alerts/tenant_summary.h) every this many ms; 0 = off.
  int64_t summary_period_ms = 3'600'000;
  log::Level log_level = log::Level::kInfo;
  VaultSettings vault;
  VaultAuditSettings vault_audit;
  JwtSettings jwt;
  StoreSettings store;
  SensorSettings sensor;
  EnforceSettings enforce;
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
  const std::vector<AlertRoute>& alert_routes() const { return values_.alert_routes; }
  int64_t summary_period_ms() const { return values_.summary_period_ms; }
  log::Level log_level() const { return values_.log_level; }
  const VaultSettings& vault() const { return values_.vault; }
  const VaultAuditSettings& vault_audit() const { return values_.vault_audit; }
  const JwtSettings& jwt() const { return values_.jwt; }
  const StoreSettings& store() const { return values_.store; }
  const SensorSettings& sensor() const { return values_.sensor; }
  const EnforceSettings& enforce() const { return values_.enforce; }

 private:
  const ConfigValues values_;
};

}  // namespace panguard::agent
