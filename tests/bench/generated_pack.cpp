#include "tests/bench/generated_pack.h"

#include <algorithm>
#include <random>

namespace panguard::bench {
namespace {

using rules::Event;
using rules::FieldId;
using rules::Source;

const char* const kTools[] = {"nmap",   "masscan", "socat", "ncat",    "tcpdump", "strace",
                              "gdb",    "chisel",  "frpc",  "xmrig",   "minerd",  "kubectl",
                              "crictl", "nsenter", "mount", "insmod",  "bpftool", "ssh",
                              "scp",    "rsync",   "wget",  "curl",    "perl",    "ruby",
                              "php",    "lua",     "tclsh", "busybox", "python2", "hping3"};
const char* const kBenignComms[] = {"nginx",    "java",         "node", "python3", "envoy",
                                    "postgres", "redis-server", "sh",   "sleep",   "cat"};
const char* const kApps[] = {"api",    "billing", "worker", "search", "frontend",
                             "ingest", "ledger",  "auth",   "report", "export"};
const char* const kStreams[] = {"orders", "payments", "audit", "events", "jobs"};

std::string tenant(std::size_t i) { return "tenant-" + std::to_string(100 + i % 50); }
std::string comm(std::size_t i) {
  return std::string(kTools[i % std::size(kTools)]) + std::to_string(i / std::size(kTools));
}
std::string app_path(std::size_t i) {
  return "secret/apps/" + std::string(kApps[i % std::size(kApps)]) + "-" + std::to_string(i);
}
std::string role(std::size_t i) {
  return tenant(i) + "-" + kApps[(i + i / 50) % std::size(kApps)] + "-admin";  // unique for i < 500
}
std::string subject(std::size_t i) {
  return "tenants." + tenant(i) + "." + kStreams[i % std::size(kStreams)] + ".v" +
         std::to_string(i);
}
std::string daddr(std::size_t i) { return "10.96." + std::to_string(i) + ".10"; }

class PackWriter {
 public:
  void list(const std::string& name, const std::string& items) {
    yaml_ += "- list: " + name + "\n  items: [" + items + "]\n\n";
  }
  void rule(Source source, const std::string& name, const std::string& condition,
            const std::string& output) {
    static const char* const kSources[] = {"vault",   "nats",  "process",
                                           "network", "usage", "platform"};
    static const char* const kPriorities[] = {"critical", "error", "warning", "notice"};
    yaml_ +=
        "- rule: " + name + "\n  desc: Generated rule " + std::to_string(count_) +
        "\n  source: " + kSources[static_cast<int>(source)] + "\n  condition: >-\n    " +
        condition + "\n  output: >-\n    " + output +
        " (tenant=%tenant.id pod=%k8s.namespace/%k8s.pod)\n  priority: " + kPriorities[count_ % 4] +
        "\n  tags: [generated]\n\n";
    ++count_;
  }
  std::string& yaml() { return yaml_; }
  std::size_t count() const { return count_; }

 private:
  std::string yaml_ = "- required_engine_version: 1\n\n";
  std::size_t count_ = 0;
};

constexpr std::size_t kProcessKeyed = 285, kRoleKeyed = 100, kPathKeyed = 100, kSharedKeyed = 35,
                      kSubjectKeyed = 150, kAccountKeyed = 100, kNetworkKeyed = 100,
                      kUsageKeyed = 80, kUnkeyedPerSource = 10;

void write_rules(PackWriter& w) {
  w.list("platform_namespaces", "kube-system, panguard-system, monitoring");
  w.list("admin_ports", "22, 2375, 2376, 6443, 10250");
  for (std::size_t i = 0; i < kProcessKeyed; ++i) {
    w.rule(Source::kProcess, "Tool " + comm(i) + " in tenant pod",
           "proc.comm = " + comm(i) +
               " and not k8s.namespace in (platform_namespaces) and proc.exe pmatch (/usr/bin, "
               "/usr/local/bin, /tmp, /dev/shm)" +
               (i % 2 ? " and proc.pid > 1" : " and k8s.container != debug"),
           "Tool %proc.comm ran (exe=%proc.exe pid=%proc.pid)");
  }
  for (std::size_t i = 0; i < kRoleKeyed; ++i) {
    w.rule(Source::kVault, "Admin role " + role(i) + " used by another tenant",
           "vault.role = " + role(i) +
               " and vault.role_tenant != tenant.id and tenant.source in "
               "(jwt, cgroup)",
           "Admin role %vault.role used (role_tenant=%vault.role_tenant)");
  }
  for (std::size_t i = 0; i < kPathKeyed; ++i) {
    w.rule(Source::kVault, "Write to " + app_path(i) + " outside its owner",
           "vault.operation in (write, delete) and vault.path pmatch (" + app_path(i) +
               ") and not tenant.id in (" + tenant(i) + ", platform-admin)",
           "Write to %vault.path (operation=%vault.operation)");
  }
  for (std::size_t i = 0; i < kSharedKeyed; ++i) {
    w.rule(Source::kVault, "Read of shared secret " + std::to_string(i),
           "vault.operation = read and vault.path = \"secret/shared/" + std::string(kApps[i % 10]) +
               "/key-" + std::to_string(i) + "\" and not k8s.namespace startswith " + tenant(i),
           "Shared secret read %vault.path");
  }
  for (std::size_t i = 0; i < kSubjectKeyed; ++i) {
    w.rule(Source::kNats, "Publish on " + subject(i) + " by another tenant",
           "nats.subject = \"" + subject(i) +
               "\" and nats.op in (PUB, HPUB) and tenant.id != " + tenant(i),
           "Publish on %nats.subject (op=%nats.op)");
  }
  for (std::size_t i = 0; i < kAccountKeyed; ++i) {
    w.rule(Source::kNats, "Account " + tenant(i) + " stream " + std::to_string(i),
           "nats.account = \"" + tenant(i) + "\" and nats.subject glob \"tenants.*." +
               kStreams[i % 5] + ".v" + std::to_string(i) + ".>\" and nats.op = SUB",
           "Subscription %nats.subject (account=%nats.account)");
  }
  for (std::size_t i = 0; i < kNetworkKeyed; ++i) {
    w.rule(Source::kNetwork, "Connection to admin service " + daddr(i),
           "net.daddr = \"" + daddr(i) +
               "\" and net.dport in (admin_ports) and not k8s.container in (debug, "
               "panguard-vault-proxy)",
           "Admin port %net.daddr:%net.dport (comm=%proc.comm)");
  }
  for (std::size_t i = 0; i < kUsageKeyed; ++i) {
    w.rule(Source::kUsage, "CPU burst " + std::to_string(i) + " of " + tenant(i),
           "tenant.id = " + tenant(i) + " and usage.cpu_millicores > " +
               std::to_string(2000 + 100 * i) + " and usage.quota_cpu_millicores exists",
           "CPU %usage.cpu_millicores over %usage.quota_cpu_millicores");
  }
  for (std::size_t i = 0; i < kUnkeyedPerSource; ++i) {
    w.rule(Source::kVault, "Cross-tenant glob " + std::to_string(i),
           "vault.path glob \"secret/*/" + tenant(i) + "/**\" and vault.path_tenant != tenant.id",
           "Glob %vault.path");
    w.rule(Source::kNats, "Audit subject " + std::to_string(i),
           "nats.subject regex \"tenants[.]" + tenant(i) +
               "[.](audit|billing)[.].*\" and nats.subject_tenant != tenant.id",
           "Audit subject %nats.subject");
    w.rule(Source::kProcess, "Exec from scratch dir " + std::to_string(i),
           "proc.exe pmatch (/tmp/" + std::string(kApps[i]) + ", /dev/shm/" + kApps[i] +
               ") and proc.comm startswith " + kTools[i],
           "Scratch exec %proc.exe");
    w.rule(Source::kNetwork, "Egress to metadata " + std::to_string(i),
           "net.daddr startswith \"169.254.\" and net.dport = " + std::to_string(80 + i) +
               " and tenant.id exists",
           "Metadata %net.daddr:%net.dport");
    w.rule(Source::kUsage, "GPU near quota " + std::to_string(i),
           "usage.gpu_mem_bytes > usage.quota_gpu_mem_bytes and proc.cgroup_id = " +
               std::to_string(4000 + i),
           "GPU %usage.gpu_mem_bytes");
  }
}

// Events: values come from the rules' key space one time in five, otherwise from everyday
// traffic, so most lookups miss their bucket as in production.
class EventWriter {
 public:
  explicit EventWriter(uint32_t seed) : rng_(seed) {}
  std::size_t pick(std::size_t n) { return rng_() % n; }
  bool keyed() { return pick(5) == 0; }

  Event base(Source source, const char* type) {
    Event e(source);
    const std::string t = tenant(pick(50));
    e.set(FieldId::kEvtType, type);
    e.set(FieldId::kTenantId, t);
    e.set(FieldId::kTenantSource, "cgroup");
    e.set(FieldId::kK8sNamespace, pick(10) ? t + "-prod" : "monitoring");
    e.set(FieldId::kK8sPod, std::string(kApps[pick(10)]) + "-5c8d" + std::to_string(pick(99)));
    return e;
  }
  Event process() {
    Event e = base(Source::kProcess, "process.exec");
    const std::string c = keyed() ? comm(pick(kProcessKeyed)) : kBenignComms[pick(10)];
    e.set(FieldId::kProcComm, c);
    e.set(FieldId::kProcExe, (pick(4) ? "/usr/bin/" : "/tmp/") + c);
    e.set(FieldId::kProcPid, static_cast<int64_t>(pick(40000)));
    e.set(FieldId::kK8sContainer, pick(20) ? "app" : "debug");
    return e;
  }
  Event vault() {
    Event e = base(Source::kVault, "vault.request");
    static const char* const kOps[] = {"read", "read", "read", "list", "write", "login"};
    const char* op = kOps[pick(std::size(kOps))];
    e.set(FieldId::kVaultOperation, op);
    const std::size_t i = pick(kPathKeyed);
    std::string path = keyed() ? app_path(i) + "/config" : "secret/tenants/" + tenant(i) + "/db";
    if (op == std::string("read") && keyed()) {
      path = "secret/shared/" + std::string(kApps[i % 10]) + "/key-" + std::to_string(i % 35);
    }
    e.set(FieldId::kVaultPath, path);
    e.set(FieldId::kVaultPathTenant, tenant(i));
    if (op == std::string("login")) {
      const std::size_t r = pick(kRoleKeyed);
      e.set(FieldId::kVaultRole, keyed() ? role(r) : tenant(r) + "-app");
      e.set(FieldId::kVaultRoleTenant, tenant(r));
    }
    return e;
  }
  Event nats() {
    Event e = base(Source::kNats, "nats.publish");
    const std::size_t i = pick(kSubjectKeyed);
    const bool sub = pick(4) == 0;
    e.set(FieldId::kNatsOp, sub ? "SUB" : "PUB");
    e.set(FieldId::kNatsSubject, keyed() ? subject(i) : "tenants." + tenant(i) + ".orders.created");
    e.set(FieldId::kNatsSubjectTenant, tenant(i));
    e.set(FieldId::kNatsAccount, keyed() ? tenant(pick(50)) : "APP");
    return e;
  }
  Event network() {
    Event e = base(Source::kNetwork, "network.connect");
    e.set(FieldId::kNetDaddr,
          keyed() ? daddr(pick(kNetworkKeyed)) : "10.112.3." + std::to_string(pick(250)));
    static const int64_t kPorts[] = {443, 5432, 4222, 6443, 22, 80};
    e.set(FieldId::kNetDport, kPorts[pick(6)]);
    e.set(FieldId::kK8sContainer, "app");
    return e;
  }
  Event usage() {
    Event e = base(Source::kUsage, "usage.sample");
    e.set(FieldId::kUsageCpuMillicores, static_cast<int64_t>(pick(12000)));
    e.set(FieldId::kUsageQuotaCpuMillicores, int64_t{8000});
    e.set(FieldId::kUsageGpuMemBytes, static_cast<int64_t>(pick(20)) << 30);
    e.set(FieldId::kUsageQuotaGpuMemBytes, int64_t{16} << 30);
    e.set(FieldId::kProcCgroupId, static_cast<int64_t>(4000 + pick(20)));
    return e;
  }

 private:
  std::mt19937 rng_;
};

}  // namespace

GeneratedPack generated_pack(std::size_t event_count, uint32_t seed) {
  PackWriter writer;
  write_rules(writer);
  GeneratedPack pack;
  pack.rule_count = writer.count();
  pack.yaml = std::move(writer.yaml());

  EventWriter events(seed);
  pack.events.reserve(event_count);
  for (std::size_t i = 0; i < event_count; ++i) {
    const std::size_t kind = i % 20;  // 35% vault, 30% process, 25% nats, 5% network, 5% usage
    if (kind < 7) {
      pack.events.push_back(events.vault());
    } else if (kind < 13) {
      pack.events.push_back(events.process());
    } else if (kind < 18) {
      pack.events.push_back(events.nats());
    } else if (kind < 19) {
      pack.events.push_back(events.network());
    } else {
      pack.events.push_back(events.usage());
    }
  }
  std::shuffle(pack.events.begin(), pack.events.end(), std::mt19937(seed + 1));
  return pack;
}

}  // namespace panguard::bench
