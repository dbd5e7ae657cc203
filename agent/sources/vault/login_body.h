// The role named in the JSON body of an auth/<mount>/login request (vault.role). Only `role` is
// read; every other key (jwt, password, ...) is left where it is and never copied or logged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "agent/sources/vault/request_target.h"

namespace panguard::vault {

inline constexpr std::size_t kMaxLoginBodyBytes = 64 * 1024;
inline constexpr std::size_t kMaxRoleBytes = 256;

// nullopt: no body, or a JSON object without `role`. A body that is not one strict JSON object
// (duplicate keys included: two parsers could each take a different `role`), a `role` that is
// not a non-empty printable-ASCII string, or a key spelled like `role` in another case is
// rejected.
using LoginRoleResult = std::variant<std::optional<std::string>, Rejection>;
LoginRoleResult extract_login_role(std::string_view body);

}  // namespace panguard::vault
