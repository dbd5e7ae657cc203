#include "tests/bench/event_mix.h"

#include <algorithm>
#include <functional>
#include <random>
#include <string>

namespace panguard::bench {
namespace {

using rules::Event;
using rules::FieldId;
using rules::Source;

constexpr int kTenants = 50;
const char* const kApps[] = {"api", "billing", "worker", "search", "frontend", "ingest"};
const char* const kKeys[] = {"db", "redis", "s3", "stripe", "jwt-signing", "smtp"};

class MixBuilder {
 public:
  explicit MixBuilder(uint32_t seed) : rng_(seed) {}

  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  std::string tenant() { return tenant_name(pick(kTenants)); }
  std::string other_tenant(const std::string& not_this) {
    std::string t;
    do t = tenant();
    while (t == not_this);
    return t;
  }
  static std::string tenant_name(uint32_t i) { return "tenant-" + std::to_string(100 + i); }
  const char* app() { return kApps[pick(std::size(kApps))]; }

  // Identity and workload fields every attributed event carries.
  Event attributed(Source source, const std::string& t, const char* tenant_source) {
    Event e(source);
    e.set(FieldId::kEvtTime, time_ns_ += 250'000);
    e.set(FieldId::kEvtNode, "node-a7");
    e.set(FieldId::kTenantId, t);
    e.set(FieldId::kTenantSource, tenant_source);
    e.set(FieldId::kK8sNamespace, t + "-prod");
    e.set(FieldId::kK8sPod, std::string(app()) + "-7d9f" + std::to_string(pick(100)));
    return e;
  }

  Event vault(const std::string& t, const char* op, const char* method, std::string path) {
    Event e = attributed(Source::kVault, t, "jwt");
    e.set(FieldId::kEvtType, pick(4) ? "vault.request" : "vault.audit");
    e.set(FieldId::kVaultMethod, method);
    e.set(FieldId::kVaultOperation, op);
    e.set(FieldId::kVaultRawPath, path);
    e.set(FieldId::kVaultPath, std::move(path));
    e.set(FieldId::kVaultTokenExchange, false);
    return e;
  }
  Event secret_access(const std::string& t, const std::string& owner) {
    static const char* const kOps[][2] = {
        {"read", "GET"}, {"read", "GET"}, {"list", "LIST"}, {"write", "PUT"}};
    const auto& op = kOps[pick(4)];
    Event e = vault(t, op[0], op[1],
                    "secret/tenants/" + owner + "/" + app() + "/" + kKeys[pick(std::size(kKeys))]);
    e.set(FieldId::kVaultPathTenant, owner);
    if (pick(3) == 0) {
      e.set(FieldId::kVaultNamespace, "tenants/" + owner);
      e.set(FieldId::kVaultNamespaceTenant, owner);
    }
    return e;
  }
  Event login(const std::string& t, const std::string& role_owner) {
    Event e = vault(t, "login", "POST", "auth/kubernetes/login");
    e.set(FieldId::kVaultRole, role_owner + "-" + app());
    e.set(FieldId::kVaultRoleTenant, role_owner);
    e.set(FieldId::kVaultTokenExchange, true);
    return e;
  }
  Event nats(const std::string& t, const char* type, const char* op, std::string subject,
             const std::string& subject_owner) {
    Event e = attributed(Source::kNats, t, pick(2) ? "cgroup" : "account");
    e.set(FieldId::kEvtType, type);
    e.set(FieldId::kNatsOp, op);
    e.set(FieldId::kNatsSubject, std::move(subject));
    if (!subject_owner.empty()) e.set(FieldId::kNatsSubjectTenant, subject_owner);
    e.set(FieldId::kNatsAccount, t);
    e.set(FieldId::kProcPid, static_cast<int64_t>(1000 + pick(30000)));
    e.set(FieldId::kProcComm, "python3");
    return e;
  }
  Event publish(const std::string& t, const std::string& owner) {
    return nats(t, "nats.publish", "PUB", "tenants." + owner + ".orders.created", owner);
  }
  Event connect(const std::string& t, int64_t port, const char* container) {
    Event e = attributed(Source::kNetwork, t, "cgroup");
    e.set(FieldId::kEvtType, "network.connect");
    e.set(FieldId::kNetDaddr, "10.96." + std::to_string(pick(256)) + ".17");
    e.set(FieldId::kNetDport, port);
    e.set(FieldId::kK8sContainer, container);
    e.set(FieldId::kProcComm, container);
    e.set(FieldId::kProcExe, std::string("/usr/bin/") + container);
    e.set(FieldId::kProcPid, static_cast<int64_t>(1000 + pick(30000)));
    return e;
  }
  Event usage(const std::string& t, int64_t cpu, int64_t cpu_quota, int64_t gpu,
              int64_t gpu_quota) {
    Event e = attributed(Source::kUsage, t, "cgroup");
    e.set(FieldId::kEvtType, "usage.sample");
    e.set(FieldId::kProcCgroupId, static_cast<int64_t>(4000 + pick(5000)));
    e.set(FieldId::kUsageCpuMillicores, cpu);
    e.set(FieldId::kUsageQuotaCpuMillicores, cpu_quota);
    e.set(FieldId::kUsageGpuMemBytes, gpu);
    e.set(FieldId::kUsageQuotaGpuMemBytes, gpu_quota);
    return e;
  }

 private:
  std::mt19937 rng_;
  int64_t time_ns_ = 1'795'000'000'000'000'000;
};

struct Kind {
  unsigned weight;  // per 10,000 events
  bool attack;
  std::function<Event(MixBuilder&, const std::string& tenant)> make;
};

std::vector<Kind> kinds() {
  using M = MixBuilder;
  using S = const std::string&;
  constexpr int64_t kGiB = int64_t{1} << 30;
  return {
      // Benign, 97%.
      {4000, false, [](M& m, S t) { return m.secret_access(t, t); }},
      {600, false,
       [](M& m, S t) {
         static const char* const kNeutral[] = {"auth/token/lookup-self", "auth/token/renew-self",
                                                "sys/health"};
         const char* path = kNeutral[m.pick(3)];
         return m.vault(t, path[0] == 's' ? "sys" : "lookup", "GET", path);
       }},
      {600, false, [](M& m, S t) { return m.login(t, t); }},
      {300, false,
       [](M& m, S t) {
         Event e = m.vault(t, m.pick(2) ? "token_create" : "oidc_token", "POST",
                           m.pick(2) ? "auth/token/create" : "identity/oidc/token/" + t + "-api");
         e.set(FieldId::kVaultTokenExchange, true);
         return e;
       }},
      {2000, false, [](M& m, S t) { return m.publish(t, t); }},
      {500, false,
       [](M& m, S t) {
         return m.nats(t, "nats.subscribe", "SUB", "tenants." + t + ".orders.>", t);
       }},
      {100, false,
       [](M& m, S) {  // platform service without a tenant, excepted by namespace
         Event e = m.nats("", "nats.publish", "PUB", "platform.heartbeat", "");
         e.clear(FieldId::kTenantId);
         e.set(FieldId::kTenantSource, "none");
         e.set(FieldId::kK8sNamespace, "kube-system");
         return e;
       }},
      {300, false, [](M& m, S t) { return m.connect(t, 4222, "app"); }},
      {250, false, [](M& m, S t) { return m.connect(t, 5432, "app"); }},
      {250, false, [](M& m, S t) { return m.connect(t, 8200, "panguard-vault-proxy"); }},
      {600, false,
       [](M& m, S t) { return m.usage(t, 200 + m.pick(3000), 4000, m.pick(8) * kGiB, 16 * kGiB); }},
      // Attacks, 3%.
      {40, true, [](M& m, S t) { return m.secret_access(t, m.other_tenant(t)); }},
      {20, true,
       [](M& m, S t) {
         Event e = m.secret_access(t, t);
         const std::string other = m.other_tenant(t);
         e.set(FieldId::kVaultNamespace, "tenants/" + other);
         e.set(FieldId::kVaultNamespaceTenant, other);
         return e;
       }},
      {20, true, [](M& m, S t) { return m.login(t, m.other_tenant(t)); }},
      {20, true, [](M& m, S t) { return m.vault(t, "read", "GET", "secret/platform/ca-key"); }},
      {20, true, [](M& m, S t) { return m.vault(t, "sys", "PUT", "sys/policies/acl/root"); }},
      {20, true,
       [](M& m, S t) {
         Event e = m.secret_access(t, t);
         e.clear(FieldId::kTenantId);
         e.set(FieldId::kTenantSource, "none");
         return e;
       }},
      {40, true, [](M& m, S t) { return m.publish(t, m.other_tenant(t)); }},
      {20, true, [](M& m, S t) { return m.nats(t, "nats.subscribe", "SUB", ">", ""); }},
      {20, true,
       [](M& m, S t) {
         Event e = m.publish(t, t);
         e.clear(FieldId::kTenantId);
         e.set(FieldId::kTenantSource, "none");
         return e;
       }},
      {30, true, [](M& m, S t) { return m.connect(t, 8200, "app"); }},
      {25, true, [](M& m, S t) { return m.usage(t, 9000, 4000, kGiB, 16 * kGiB); }},
      {25, true, [](M& m, S t) { return m.usage(t, 1000, 4000, 40 * kGiB, 16 * kGiB); }},
  };
}

}  // namespace

EventMix realistic_event_mix(std::size_t count, uint32_t seed) {
  MixBuilder builder(seed);
  const std::vector<Kind> all = kinds();
  unsigned total_weight = 0;
  for (const Kind& k : all) total_weight += k.weight;

  EventMix mix;
  mix.events.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    // Stratified: event i takes the kind whose cumulative weight covers its slot, so the
    // proportions hold exactly for any count; shuffled afterwards.
    unsigned slot = static_cast<unsigned>((i * total_weight) / count);
    const Kind* kind = &all.front();
    for (const Kind& k : all) {
      kind = &k;
      if (slot < k.weight) break;
      slot -= k.weight;
    }
    mix.events.push_back(kind->make(builder, builder.tenant()));
    if (kind->attack) ++mix.attacks;
  }
  std::shuffle(mix.events.begin(), mix.events.end(), std::mt19937(seed + 1));
  return mix;
}

}  // namespace panguard::bench
