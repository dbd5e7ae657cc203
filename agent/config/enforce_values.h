// Values of enforce.* and sensor.watched_cgroups: Vault addresses as the kernel programs match
// them, and cgroup paths relative to the cgroup v2 root.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "agent/config/config.h"

namespace panguard::agent {

// "10.0.0.5:8200" or "[fd00::5]:8200" (IP literals only: the kernel compares addresses, and a
// name resolved once at start would silently go stale). IPv4 becomes IPv4-mapped IPv6, so the
// same entry also matches a v4-mapped connect from a dual-stack socket.
std::variant<EnforcedVaultAddress, std::string> parse_enforced_address(std::string_view text);

// "kubepods.slice" or "/kubepods.slice/x": relative to the cgroup v2 root, without the leading
// "/"; "" and "/" name the root. Refuses "." and ".." components and empty components.
std::variant<std::string, std::string> normalize_cgroup_path(std::string_view text);

}  // namespace panguard::agent
