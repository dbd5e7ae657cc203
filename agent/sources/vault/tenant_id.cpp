#include "agent/sources/vault/tenant_id.h"

namespace panguard::vault {

bool is_valid_tenant_id(std::string_view tenant_id) {
  if (tenant_id.empty() || tenant_id.size() > 63) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(tenant_id.front()) || !lower_alnum(tenant_id.back())) return false;
  for (char c : tenant_id) {
    if (!lower_alnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace panguard::vault
