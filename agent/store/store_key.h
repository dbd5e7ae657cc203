// Counter keys: "pg:{<tenant>}:<kind>:<name>:<key value>:<key value>...". The tenant is the
// Redis Cluster hash tag, so one tenant's counters share a slot and never mix with another's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace panguard::agent {

enum class StoreKeyKind { kRate, kQuota, kDedup };

// Tenant, name and values are escaped ('%', ':', '{', '}', '*', space and control bytes as %XX)
// so that a value cannot end the hash tag, shift the key's parts or read as a glob. A part whose
// escaped form exceeds 128 bytes is replaced by "#" + its SHA-256 in hex; '#' is itself
// escaped, so no escaped part can equal a hashed one. An absent tenant is "{%none}" and an
// empty one "{%empty}", which no escaped tenant id can equal. Keyed by rule name, not position,
// so a reload that reorders rules keeps every tenant's budget.
std::string make_store_key(StoreKeyKind kind, const std::string* tenant, std::string_view name,
                           const std::vector<std::string>& key_values);

std::string escape_key_part(std::string_view part);

}  // namespace panguard::agent
