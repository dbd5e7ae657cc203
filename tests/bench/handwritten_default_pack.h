// The baseline of bench_rules: the default pack's conditions (rules/packs/default/*.yaml)
// written directly in C++, reading the same Event fields with the same semantics (a comparison
// with an absent field is false). Efficient but honest: no precomputation across events, and
// bench_rules checks per event that it fires exactly what the engine fires.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "rules/event.h"

namespace panguard::bench {

// One bit per default-pack rule, in pack order.
enum class DefaultRule : uint8_t {
  kVaultNoVerifiedTenant,
  kVaultForeignPath,
  kVaultForeignNamespace,
  kVaultForeignRole,
  kVaultOutsidePrefix,
  kVaultAdminPath,
  kVaultTokenExchangeFlood,  // has a limit: a counter request, not an alert
  kVaultClientOfAnotherTenant,
  kVaultClientWithoutTenant,
  kNatsForeignSubject,
  kNatsWildcardSubscription,
  kNatsNoVerifiedTenant,
  kNetworkVaultBypass,
  kUsageCpuOverQuota,
  kUsageGpuOverQuota,
  kCount,
};

// The rule names as written in the YAML, indexed by DefaultRule.
std::span<const std::string_view> default_rule_names();

struct HandwrittenVerdict {
  uint32_t matched = 0;              // bit (1 << DefaultRule) per rule whose condition held
  std::string_view flood_tenant_id;  // counter key of kVaultTokenExchangeFlood when it matched
};

void evaluate_default_pack_by_hand(const rules::Event& event, HandwrittenVerdict& out);

}  // namespace panguard::bench
