// Counter keys: "pg:{<tenant>}:rule:<rule name>:<key value>:<key value>...". The tenant is the
// Redis Cluster hash tag, so one tenant's counters share a slot and never mix with another's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace panguard::agent {

// Tenant and values are escaped ('%', ':', '{', '}' and control bytes as %XX) so that a value
// cannot end the hash tag or shift the key's parts. An absent tenant is "{%none}" and an empty
// one "{%empty}", which no escaped tenant id can equal. Keyed by rule name, not position, so a
// reload that reorders rules keeps every tenant's budget.
std::string make_rate_key(const std::string* tenant, std::string_view rule_name,
                          const std::vector<std::string>& key_values);

std::string escape_key_part(std::string_view part);

}  // namespace panguard::agent
