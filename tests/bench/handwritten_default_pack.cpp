#include "tests/bench/handwritten_default_pack.h"

#include <array>
#include <string>

namespace panguard::bench {
namespace {

using rules::Event;
using rules::FieldId;
using rules::Source;

constexpr uint32_t bit(DefaultRule rule) { return 1u << static_cast<unsigned>(rule); }

bool is_one_of(const std::string* value, std::initializer_list<std::string_view> options) {
  if (!value) return false;
  for (std::string_view option : options) {
    if (*value == option) return true;
  }
  return false;
}

// macro verified_tenant
bool verified_tenant(const std::string* tenant, const Event& event) {
  return tenant && !tenant->empty() &&
         is_one_of(event.get_string(FieldId::kTenantSource), {"jwt", "cgroup", "account"});
}

// `a != b` over two string fields: false when either is absent.
bool present_and_differ(const std::string* a, const std::string* b) { return a && b && *a != *b; }

bool no_newline(std::string_view text) { return text.find('\n') == std::string_view::npos; }

// RE2 full match of "(>|[*]([.].*)?|tenants[.](>|[*])([.].*)?)"; '.' excludes '\n'.
bool spans_all_tenants(std::string_view subject) {
  auto wildcard_then_any = [](std::string_view s, bool allow_gt) {
    if (s.empty() || !(s[0] == '*' || (allow_gt && s[0] == '>'))) return false;
    return s.size() == 1 || (s[1] == '.' && no_newline(s.substr(2)));
  };
  if (subject == ">") return true;
  if (wildcard_then_any(subject, false)) return true;
  constexpr std::string_view kTenants = "tenants.";
  return subject.starts_with(kTenants) && wildcard_then_any(subject.substr(kTenants.size()), true);
}

uint32_t vault_rules(const Event& e, HandwrittenVerdict& out) {
  const std::string* tenant = e.get_string(FieldId::kTenantId);
  const bool verified = verified_tenant(tenant, e);
  const std::string* path_tenant = e.get_string(FieldId::kVaultPathTenant);
  const std::string* namespace_tenant = e.get_string(FieldId::kVaultNamespaceTenant);
  const std::string* role_tenant = e.get_string(FieldId::kVaultRoleTenant);
  const bool is_sys = is_one_of(e.get_string(FieldId::kVaultOperation), {"sys"});
  const bool neutral_path = is_one_of(
      e.get_string(FieldId::kVaultPath),
      {"auth/token/lookup-self", "auth/token/renew-self", "auth/token/revoke-self", "sys/health"});
  uint32_t matched = 0;
  if (!verified) matched |= bit(DefaultRule::kVaultNoVerifiedTenant);
  if (present_and_differ(path_tenant, tenant)) matched |= bit(DefaultRule::kVaultForeignPath);
  if (present_and_differ(namespace_tenant, tenant)) {
    matched |= bit(DefaultRule::kVaultForeignNamespace);
  }
  if (present_and_differ(role_tenant, tenant)) matched |= bit(DefaultRule::kVaultForeignRole);
  if (verified && !path_tenant && !namespace_tenant && !role_tenant && !is_sys && !neutral_path) {
    matched |= bit(DefaultRule::kVaultOutsidePrefix);
  }
  if (is_sys && tenant && !neutral_path) matched |= bit(DefaultRule::kVaultAdminPath);
  const bool* exchange = e.get_bool(FieldId::kVaultTokenExchange);
  if (exchange && *exchange && verified) {
    matched |= bit(DefaultRule::kVaultTokenExchangeFlood);
    out.flood_tenant_id = *tenant;
  }
  const std::string* client_tenant = e.get_string(FieldId::kClientTenantId);
  if (present_and_differ(client_tenant, tenant)) {
    matched |= bit(DefaultRule::kVaultClientOfAnotherTenant);
  }
  if (e.get_string(FieldId::kClientPodUid) && !client_tenant) {
    matched |= bit(DefaultRule::kVaultClientWithoutTenant);
  }
  return matched;
}

uint32_t nats_rules(const Event& e) {
  const std::string* type = e.get_string(FieldId::kEvtType);
  const bool subscribe = is_one_of(type, {"nats.subscribe"});
  const bool pubsub = subscribe || is_one_of(type, {"nats.publish"});
  if (!pubsub) return 0;
  const std::string* tenant = e.get_string(FieldId::kTenantId);
  const bool verified = verified_tenant(tenant, e);
  uint32_t matched = 0;
  if (present_and_differ(e.get_string(FieldId::kNatsSubjectTenant), tenant)) {
    matched |= bit(DefaultRule::kNatsForeignSubject);
  }
  const std::string* subject = e.get_string(FieldId::kNatsSubject);
  if (subscribe && verified && subject && spans_all_tenants(*subject)) {
    matched |= bit(DefaultRule::kNatsWildcardSubscription);
  }
  if (!verified &&
      !is_one_of(e.get_string(FieldId::kK8sNamespace), {"kube-system", "panguard-system"})) {
    matched |= bit(DefaultRule::kNatsNoVerifiedTenant);
  }
  return matched;
}

uint32_t network_rules(const Event& e) {
  const int64_t* port = e.get_int(FieldId::kNetDport);
  if (!is_one_of(e.get_string(FieldId::kEvtType), {"network.connect"}) || !port || *port != 8200 ||
      !verified_tenant(e.get_string(FieldId::kTenantId), e) ||
      is_one_of(e.get_string(FieldId::kK8sContainer), {"panguard-vault-proxy"})) {
    return 0;
  }
  return bit(DefaultRule::kNetworkVaultBypass);
}

bool over(const Event& e, FieldId used, FieldId quota) {
  const int64_t* a = e.get_int(used);
  const int64_t* b = e.get_int(quota);
  return a && b && *a > *b;
}

uint32_t usage_rules(const Event& e) {
  if (!verified_tenant(e.get_string(FieldId::kTenantId), e)) return 0;
  uint32_t matched = 0;
  if (over(e, FieldId::kUsageCpuMillicores, FieldId::kUsageQuotaCpuMillicores)) {
    matched |= bit(DefaultRule::kUsageCpuOverQuota);
  }
  if (over(e, FieldId::kUsageGpuMemBytes, FieldId::kUsageQuotaGpuMemBytes)) {
    matched |= bit(DefaultRule::kUsageGpuOverQuota);
  }
  return matched;
}

}  // namespace

std::span<const std::string_view> default_rule_names() {
  static constexpr std::array<std::string_view, static_cast<std::size_t>(DefaultRule::kCount)>
      kNames = {
          "Vault request without verified tenant",
          "Vault path of another tenant",
          "Vault namespace of another tenant",
          "Vault login with another tenant's role",
          "Vault path outside tenant prefix",
          "Tenant Vault admin path",
          "Vault token exchange flood",
          "Session token used from another tenant's workload",
          "Vault session from a pod with no known tenant",
          "NATS subject of another tenant",
          "NATS wildcard subscription across tenants",
          "NATS traffic without verified tenant",
          "Direct connection to Vault bypassing sidecar",
          "Tenant CPU over quota",
          "Tenant GPU memory over quota",
      };
  return kNames;
}

void evaluate_default_pack_by_hand(const Event& event, HandwrittenVerdict& out) {
  out.flood_tenant_id = {};
  switch (event.source()) {
    case Source::kVault:
      out.matched = vault_rules(event, out);
      return;
    case Source::kNats:
      out.matched = nats_rules(event);
      return;
    case Source::kNetwork:
      out.matched = network_rules(event);
      return;
    case Source::kUsage:
      out.matched = usage_rules(event);
      return;
    case Source::kProcess:
    case Source::kPlatform:
      break;
  }
  out.matched = 0;
}

}  // namespace panguard::bench
