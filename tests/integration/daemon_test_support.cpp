#include "daemon_test_support.h"

#include <nlohmann/json.hpp>
#include <regex>

namespace panguard::integration {

uint16_t announced_admin_port(const std::string& stderr_text) {
  std::smatch match;
  if (!std::regex_search(stderr_text, match,
                         std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)"))) {
    return 0;
  }
  return static_cast<uint16_t>(std::stoi(match[1]));
}

std::string vault_event(const std::string& tenant, const std::string& owner,
                        const std::string& operation) {
  nlohmann::json j;
  j["source"] = "vault";
  j["fields"] = {{"tenant.id", tenant},
                 {"tenant.source", "jwt"},
                 {"vault.path", "secret/tenants/" + owner + "/db"},
                 {"vault.path_tenant", owner},
                 {"vault.operation", operation}};
  return j.dump() + "\n";
}

}  // namespace panguard::integration
