// Operation classification of canonical requests: token exchanges and admin paths by path,
// everything else by method.
#include "agent/sources/vault/operation.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "rules/field_registry.h"

namespace panguard::vault {
namespace {

struct Case {
  std::string method;
  std::string target;
  std::string operation;
  bool token_exchange;
};

Operation classify_target(std::string_view method, std::string_view target) {
  auto canonical = canonicalize(method, target, {}, RequestLayout::defaults());
  if (auto* rejection = std::get_if<Rejection>(&canonical)) {
    ADD_FAILURE() << method << " " << target << " rejected: " << rejection->code;
    return {};
  }
  return classify(std::get<CanonicalRequest>(canonical));
}

TEST(OperationTest, ClassifiesByPathThenByMethod) {
  for (const Case& c : std::vector<Case>{
           // Secrets by method.
           {"GET", "/v1/secret/data/tenants/acme/db", "read", false},
           {"HEAD", "/v1/secret/data/tenants/acme/db", "read", false},
           {"LIST", "/v1/secret/metadata/tenants/acme/", "list", false},
           {"GET", "/v1/secret/metadata/tenants/acme/?list=true", "list", false},
           {"GET", "/v1/secret/metadata/tenants/acme/?list=false", "read", false},
           {"POST", "/v1/secret/data/tenants/acme/db", "write", false},
           {"PUT", "/v1/secret/data/tenants/acme/db", "write", false},
           {"PATCH", "/v1/secret/data/tenants/acme/db", "write", false},
           {"DELETE", "/v1/secret/data/tenants/acme/db", "delete", false},
           // Token creation.
           {"POST", "/v1/auth/token/create", "token_create", true},
           {"POST", "/v1/auth/token/create/", "token_create", true},
           {"POST", "/v1/auth/token/create/acme-role", "token_create", true},
           {"POST", "/v1/auth/token/create-orphan", "token_create", true},
           {"GET", "/v1/auth/token/create", "token_create", true},  // by path, any method
           {"POST", "/v1/auth/token/create/a/b", "write", false},
           {"POST", "/v1/auth/token/created", "write", false},
           {"POST", "/v1/auth/token/create-orphanx", "write", false},
           {"GET", "/v1/auth/token/lookup-self", "read", false},
           {"POST", "/v1/auth/token/renew-self", "write", false},
           // Logins.
           {"POST", "/v1/auth/kubernetes/login", "login", true},
           {"PUT", "/v1/auth/jwt/login", "login", true},
           {"POST", "/v1/auth/userpass/login/alice", "login", true},
           {"POST", "/v1/auth/kubernetes/prod/login", "login", true},  // nested mount
           {"POST", "/v1/tenants/acme/auth/kubernetes/login", "login", true},
           {"POST", "/v1/auth/login", "write", false},
           {"POST", "/v1/auth/kubernetes/logins", "write", false},
           {"POST", "/v1/auth/kubernetes/login/a/b", "write", false},
           {"POST", "/v1/secret/data/login", "write", false},
           {"GET", "/v1/auth/kubernetes/role/acme-reader", "read", false},
           // OIDC tokens.
           {"GET", "/v1/identity/oidc/token/acme-role", "oidc_token", true},
           {"GET", "/v1/identity/oidc/token", "read", false},
           {"GET", "/v1/identity/oidc/token/a/b", "read", false},
           {"GET", "/v1/identity/oidc/role/acme-role", "read", false},
           // Response wrapping.
           {"POST", "/v1/sys/wrapping/unwrap", "unwrap", true},
           {"POST", "/v1/sys/wrapping/rewrap", "rewrap", true},
           {"POST", "/v1/sys/wrapping/lookup", "lookup", true},
           {"POST", "/v1/tenants/globex/sys/wrapping/unwrap", "unwrap", true},
           {"POST", "/v1/sys/wrapping/wrap", "sys", false},
           {"POST", "/v1/sys/wrapping/unwrap/x", "sys", false},
           // Admin paths.
           {"GET", "/v1/sys/health", "sys", false},
           {"LIST", "/v1/sys/policies/acl/", "sys", false},
           {"PUT", "/v1/sys/mounts/evil", "sys", false},
           {"GET", "/v1/sys", "sys", false},
           {"GET", "/v1/sysx/health", "read", false},
       }) {
    const Operation op = classify_target(c.method, c.target);
    EXPECT_EQ(op.name, c.operation) << c.method << " " << c.target;
    EXPECT_EQ(op.token_exchange, c.token_exchange) << c.method << " " << c.target;
    EXPECT_EQ(operation_of(op.kind), op) << c.method << " " << c.target;
  }
}

TEST(OperationTest, NamesAreExactlyTheDocumentedFieldValues) {
  // rules/field_list.h documents vault.operation as "read | list | ... | other".
  const auto& info = rules::field_info(rules::FieldId::kVaultOperation);
  std::set<std::string> documented;
  std::string description(info.description);
  std::size_t start = 0;
  while (start <= description.size()) {
    std::size_t bar = description.find(" | ", start);
    if (bar == std::string::npos) bar = description.size();
    documented.insert(description.substr(start, bar - start));
    start = bar + 3;
  }
  std::set<std::string> names;
  std::set<std::string> exchanges;
  for (auto kind : {OperationKind::kRead, OperationKind::kList, OperationKind::kWrite,
                    OperationKind::kDelete, OperationKind::kLogin, OperationKind::kTokenCreate,
                    OperationKind::kOidcToken, OperationKind::kUnwrap, OperationKind::kRewrap,
                    OperationKind::kLookup, OperationKind::kSys, OperationKind::kOther}) {
    const Operation op = operation_of(kind);
    EXPECT_EQ(op.kind, kind);
    names.insert(std::string(op.name));
    if (op.token_exchange) exchanges.insert(std::string(op.name));
  }
  EXPECT_EQ(names, documented);
  EXPECT_EQ(exchanges, (std::set<std::string>{"login", "token_create", "oidc_token", "unwrap",
                                              "rewrap", "lookup"}));
}

TEST(OperationTest, DefaultRequestIsOther) {
  const Operation op = classify(CanonicalRequest{});
  EXPECT_EQ(op.name, "other");
  EXPECT_FALSE(op.token_exchange);
}

}  // namespace
}  // namespace panguard::vault
