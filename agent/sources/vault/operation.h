// What a canonical Vault request does: the vault.operation and vault.token_exchange fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "agent/sources/vault/request_target.h"

namespace panguard::vault {

enum class OperationKind : uint8_t {
  kRead,
  kList,
  kWrite,
  kDelete,
  kLogin,
  kTokenCreate,
  kOidcToken,
  kUnwrap,
  kRewrap,
  kLookup,
  kSys,
  kOther,
};

struct Operation {
  OperationKind kind = OperationKind::kOther;
  std::string_view name = "other";  // the vault.operation value, as listed in rules/field_list.h
  bool token_exchange = false;      // login, token_create, oidc_token and wrapping

  bool operator==(const Operation&) const = default;
};

Operation operation_of(OperationKind kind);

// Token-exchange and admin paths are recognized by path whatever the method (Vault answers
// 405 to a wrong one, and counting them costs nothing); everything else goes by method.
Operation classify(const CanonicalRequest& request);

}  // namespace panguard::vault
