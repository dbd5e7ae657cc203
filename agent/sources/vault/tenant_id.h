// What a tenant id may look like, wherever one is read (JWT claim, path, namespace, role).
#pragma once

#include <string_view>

namespace panguard::vault {

// A Kubernetes-style DNS label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?
bool is_valid_tenant_id(std::string_view tenant_id);

}  // namespace panguard::vault
