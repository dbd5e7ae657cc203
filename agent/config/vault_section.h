// vault.*, vault_audit.* and identity.jwt.*: the inline proxy, the audit socket and the session
// JWT checks. finish_vault runs after the walk, for defaults and cross-key checks.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "agent/config/config.h"

namespace panguard::agent::config_detail {

// Where each vault.* / identity.jwt.* key sat, so cross-key errors can point at one.
struct VaultMarks {
  YAML::Mark vault = YAML::Mark::null_mark();
  YAML::Mark tenant_paths = YAML::Mark::null_mark();
  YAML::Mark tenant_namespace = YAML::Mark::null_mark();
  YAML::Mark tenant_roles = YAML::Mark::null_mark();
  YAML::Mark upstream_ca_file = YAML::Mark::null_mark();
  YAML::Mark tls = YAML::Mark::null_mark();
};

void parse_vault(const YAML::Node& node, const std::string& path, VaultSettings& vault,
                 VaultMarks& marks, std::string_view base_dir);
void parse_vault_audit(const YAML::Node& node, const std::string& path, VaultAuditSettings& audit);
void parse_identity(const YAML::Node& node, const std::string& path, JwtSettings& jwt,
                    std::string_view base_dir);

// Fills unset pattern lists from TenantPatterns::defaults() and checks that they compile.
void finish_vault(ConfigValues& v, const VaultMarks& marks);

}  // namespace panguard::agent::config_detail
