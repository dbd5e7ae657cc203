#include "agent/sources/vault/audit_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace panguard::vault {
namespace {

using rules::Event;
using rules::FieldId;
using ::testing::HasSubstr;
using ::testing::Not;

std::string fixture(std::string_view name) {
  const std::string path =
      std::string(PANGUARD_SOURCE_DIR) + "/tests/unit/vault/data/audit/" + std::string(name);
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing fixture " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The default patterns plus OIDC token names "<tenant>-...".
TenantPatterns tenant_patterns() {
  auto compiled = TenantPatterns::compile(
      {"secret/data/tenants/{tenant}/**", "secret/metadata/tenants/{tenant}/**",
       "identity/oidc/token/{tenant}-*"},
      "tenants/{tenant}", {"{tenant}-*"});
  EXPECT_TRUE(std::holds_alternative<TenantPatterns>(compiled));
  return std::get<TenantPatterns>(std::move(compiled));
}

AuditMapping acme_globex_mapping() {
  AuditMapping mapping;
  mapping.kv2_mounts = {"secret"};
  mapping.tenant_patterns = tenant_patterns();
  mapping.namespace_to_tenant = [](std::string_view ns) -> std::optional<std::string> {
    if (ns == "acme-prod") return "acme";
    if (ns == "globex-prod") return "globex";
    return std::nullopt;
  };
  return mapping;
}

std::string error_of(const AuditResult& result) {
  auto* error = std::get_if<AuditError>(&result);
  return error ? error->message : "<no error>";
}

// The event of a mapped record; fails the test (and returns an empty event) otherwise.
Event event_of(const AuditResult& result) {
  if (auto* event = std::get_if<Event>(&result)) return *event;
  if (auto* skipped = std::get_if<AuditSkipped>(&result)) {
    ADD_FAILURE() << "skipped: " << skipped->reason;
  } else {
    ADD_FAILURE() << "error: " << error_of(result);
  }
  return Event(rules::Source::kPlatform);
}

Event map_fixture(std::string_view name, const AuditMapping& mapping = acme_globex_mapping()) {
  return event_of(parse_audit_record(fixture(name), mapping));
}

std::string str(const Event& event, FieldId id) {
  const std::string* value = event.get_string(id);
  return value ? *value : "<absent>";
}

// Parses a fixture, applies `edit` to its JSON, and maps the result.
AuditResult map_edited(std::string_view name, const std::function<void(nlohmann::json&)>& edit) {
  auto record = nlohmann::json::parse(fixture(name));
  edit(record);
  return parse_audit_record(record.dump(), acme_globex_mapping());
}

TEST(AuditRecord, KvV2ReadByKubernetesClient) {
  const Event event = map_fixture("kv2_read_kubernetes.json");
  EXPECT_EQ(event.source(), rules::Source::kVault);
  EXPECT_EQ(str(event, FieldId::kEvtType), "vault.audit");
  // 2026-11-29T10:00:00.123456Z
  ASSERT_NE(event.get_int(FieldId::kEvtTime), nullptr);
  EXPECT_EQ(*event.get_int(FieldId::kEvtTime), 1'795'946'400'123'456'000);
  EXPECT_EQ(str(event, FieldId::kTenantId), "acme");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "account");
  EXPECT_EQ(str(event, FieldId::kK8sNamespace), "acme-prod");
  EXPECT_EQ(str(event, FieldId::kVaultRawPath), "secret/data/tenants/acme/db");
  EXPECT_EQ(str(event, FieldId::kVaultPath), "secret/tenants/acme/db");
  EXPECT_FALSE(event.has(FieldId::kVaultNamespace));  // the root namespace, as on the proxy
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "read");
  EXPECT_EQ(str(event, FieldId::kVaultPathTenant), "acme");
  ASSERT_NE(event.get_bool(FieldId::kVaultTokenExchange), nullptr);
  EXPECT_FALSE(*event.get_bool(FieldId::kVaultTokenExchange));
  // Not a login: the token's login role is not the request's role (no proxy parity otherwise).
  EXPECT_FALSE(event.has(FieldId::kVaultRole));
  EXPECT_FALSE(event.has(FieldId::kVaultNamespaceTenant));
  // The audit device does not record the HTTP method; nothing is invented.
  EXPECT_FALSE(event.has(FieldId::kVaultMethod));
}

TEST(AuditRecord, KvV2ListKeepsRawPathAndDropsTrailingSlashFromLogicalPath) {
  const Event event = map_fixture("kv2_list_kubernetes.json");
  EXPECT_EQ(str(event, FieldId::kVaultRawPath), "secret/metadata/tenants/acme/");
  EXPECT_EQ(str(event, FieldId::kVaultPath), "secret/tenants/acme");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "list");
  EXPECT_EQ(str(event, FieldId::kVaultPathTenant), "acme");
}

TEST(AuditRecord, LoginRequestIsSkippedAndItsResponseCarriesTheVerifiedIdentity) {
  const AuditMapping mapping = acme_globex_mapping();
  auto request = parse_audit_record(fixture("login_kubernetes_request.json"), mapping);
  ASSERT_TRUE(std::holds_alternative<AuditSkipped>(request)) << error_of(request);

  const Event event = map_fixture("login_kubernetes_response.json", mapping);
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "login");
  EXPECT_EQ(str(event, FieldId::kVaultPath), "auth/kubernetes/login");
  EXPECT_TRUE(*event.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(str(event, FieldId::kTenantId), "acme");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "account");
  EXPECT_EQ(str(event, FieldId::kVaultRole), "acme-app");
  EXPECT_EQ(str(event, FieldId::kVaultRoleTenant), "acme");
  EXPECT_EQ(*event.get_int(FieldId::kEvtTime), 1'795'946'100'042'000'000);
}

TEST(AuditRecord, LoginRoleFromAnUntrustedAuthMethodIsNotUsed) {
  auto result = map_edited("login_kubernetes_response.json", [](nlohmann::json& r) {
    r["auth"]["display_name"] = "oidc-alice";
    r["auth"]["metadata"] = {{"role", "globex-app"}, {"service_account_namespace", "globex-prod"}};
  });
  const Event event = event_of(result);
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "login");
  EXPECT_FALSE(event.has(FieldId::kVaultRole));
  EXPECT_FALSE(event.has(FieldId::kVaultRoleTenant));
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
}

TEST(AuditRecord, FailedLoginResponseHasNoTenant) {
  const Event event = map_fixture("login_failed_response.json");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "login");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  EXPECT_FALSE(event.has(FieldId::kVaultRole));
}

TEST(AuditRecord, LoginRequestIsMappedWithoutIdentityWhenLoginsFromResponsesIsOff) {
  AuditMapping mapping = acme_globex_mapping();
  mapping.logins_from_responses = false;
  const Event event = map_fixture("login_kubernetes_request.json", mapping);
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "login");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  // ...and the login response is then an ordinary, skipped response.
  auto response = parse_audit_record(fixture("login_kubernetes_response.json"), mapping);
  EXPECT_TRUE(std::holds_alternative<AuditSkipped>(response)) << error_of(response);
}

TEST(AuditRecord, TokenCreate) {
  const Event event = map_fixture("token_create_request.json");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "token_create");
  EXPECT_TRUE(*event.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(str(event, FieldId::kTenantId), "acme");
  EXPECT_FALSE(event.has(FieldId::kVaultPathTenant));
}

TEST(AuditRecord, Unwrap) {
  const Event event = map_fixture("unwrap_request.json");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "unwrap");
  EXPECT_EQ(str(event, FieldId::kVaultPath), "sys/wrapping/unwrap");
  EXPECT_TRUE(*event.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(str(event, FieldId::kTenantId), "acme");
}

TEST(AuditRecord, OidcToken) {
  const Event event = map_fixture("oidc_token_request.json");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "oidc_token");
  EXPECT_TRUE(*event.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(str(event, FieldId::kVaultPathTenant), "acme");
}

TEST(AuditRecord, SysPath) {
  const Event event = map_fixture("sys_mounts_request.json");
  EXPECT_EQ(str(event, FieldId::kVaultOperation), "sys");
  EXPECT_FALSE(*event.get_bool(FieldId::kVaultTokenExchange));
}

TEST(AuditRecord, NamespacedRequest) {
  const Event event = map_fixture("namespaced_request.json");
  EXPECT_EQ(str(event, FieldId::kVaultNamespace), "tenants/acme");
  EXPECT_EQ(str(event, FieldId::kVaultNamespaceTenant), "acme");
  EXPECT_EQ(str(event, FieldId::kVaultRawPath), "secret/data/db");
  EXPECT_EQ(str(event, FieldId::kVaultPath), "secret/db");
  EXPECT_FALSE(event.has(FieldId::kVaultPathTenant));
}

TEST(AuditRecord, ResponseRecordIsSkippedByDefaultAndMapsLikeItsRequestWhenIncluded) {
  AuditMapping mapping = acme_globex_mapping();
  auto skipped = parse_audit_record(fixture("kv2_read_response.json"), mapping);
  ASSERT_TRUE(std::holds_alternative<AuditSkipped>(skipped)) << error_of(skipped);

  mapping.include_responses = true;
  const Event response = map_fixture("kv2_read_response.json", mapping);
  Event request = map_fixture("kv2_read_kubernetes.json", mapping);
  EXPECT_EQ(str(response, FieldId::kEvtType), "vault.audit");
  request.set(FieldId::kEvtTime, *response.get_int(FieldId::kEvtTime));
  EXPECT_EQ(response, request);
}

TEST(AuditRecord, MissingAuthHasNoTenant) {
  const Event event = map_fixture("missing_auth.json");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  EXPECT_FALSE(event.has(FieldId::kK8sNamespace));
  EXPECT_EQ(str(event, FieldId::kVaultPathTenant), "acme");  // the path still has an owner
}

TEST(AuditRecord, UnmappedServiceAccountNamespaceHasNoTenant) {
  const Event event = map_fixture("unmapped_namespace.json");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  EXPECT_EQ(str(event, FieldId::kK8sNamespace), "kube-system");
}

TEST(AuditRecord, EmptyTenantFromLookupCountsAsUnmapped) {
  AuditMapping mapping = acme_globex_mapping();
  mapping.namespace_to_tenant = [](std::string_view) { return std::optional<std::string>(""); };
  const Event event = map_fixture("kv2_read_kubernetes.json", mapping);
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
}

TEST(AuditRecord, NoNamespaceLookupConfiguredMeansNoTenant) {
  AuditMapping mapping = acme_globex_mapping();
  mapping.namespace_to_tenant = nullptr;
  mapping.tenant_patterns = TenantPatterns{};
  const Event event = map_fixture("kv2_read_kubernetes.json", mapping);
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  EXPECT_FALSE(event.has(FieldId::kVaultPathTenant));
}

TEST(AuditRecord, MetadataOnATokenFromTokenCreateIsNotTrusted) {
  // auth/token/create lets the caller choose any metadata; Vault names such tokens "token-...".
  const Event event = map_fixture("forged_metadata_token.json");
  EXPECT_EQ(str(event, FieldId::kTenantSource), "none");
  EXPECT_FALSE(event.has(FieldId::kTenantId));
  EXPECT_FALSE(event.has(FieldId::kK8sNamespace));
  EXPECT_EQ(str(event, FieldId::kVaultPathTenant), "globex");
}

TEST(AuditRecord, TrustedDisplayNamePrefixesAreConfigurable) {
  AuditMapping mapping = acme_globex_mapping();
  mapping.trusted_display_name_prefixes = {"k8s-prod-"};
  EXPECT_EQ(str(map_fixture("kv2_read_kubernetes.json", mapping), FieldId::kTenantSource), "none");
  mapping.trusted_display_name_prefixes = {""};  // an empty prefix never trusts everything
  EXPECT_EQ(str(map_fixture("kv2_read_kubernetes.json", mapping), FieldId::kTenantSource), "none");
  mapping.trusted_display_name_prefixes = {"k8s-prod-", "kubernetes-"};
  EXPECT_EQ(str(map_fixture("kv2_read_kubernetes.json", mapping), FieldId::kTenantId), "acme");
}

TEST(AuditRecord, RejectsDuplicateKeysAnywhere) {
  const AuditMapping mapping = acme_globex_mapping();
  std::string record = fixture("kv2_read_kubernetes.json");
  std::string twice = record;
  twice.replace(twice.find("\"type\""), 0, "\"type\": \"response\", ");
  EXPECT_THAT(error_of(parse_audit_record(twice, mapping)), HasSubstr("duplicate key"));

  // A second service_account_namespace would let two readers disagree about the tenant.
  std::string metadata = record;
  metadata.replace(metadata.find("\"service_account_namespace\""), 0,
                   "\"service_account_namespace\": \"globex-prod\", ");
  EXPECT_THAT(error_of(parse_audit_record(metadata, mapping)), HasSubstr("duplicate key"));

  std::string nested = record;
  nested.replace(nested.find("\"path\": \"secret"), 0, "\"path\": \"secret/data/x\", ");
  EXPECT_THAT(error_of(parse_audit_record(nested, mapping)), HasSubstr("duplicate key"));
}

TEST(AuditRecord, RejectsWrongTypes) {
  using nlohmann::json;
  const std::string name = "kv2_read_kubernetes.json";
  auto error = [&](const std::function<void(json&)>& edit) {
    return error_of(map_edited(name, edit));
  };
  EXPECT_EQ(error([](json& r) { r["type"] = 1; }), "type must be a string");
  EXPECT_EQ(error([](json& r) { r["time"] = 1795946400; }), "time must be a string");
  EXPECT_EQ(error([](json& r) { r["auth"] = "acme"; }), "auth must be an object");
  EXPECT_EQ(error([](json& r) { r["auth"] = nullptr; }), "auth must be an object");
  EXPECT_EQ(error([](json& r) { r["auth"]["display_name"] = 7; }),
            "auth.display_name must be a string");
  EXPECT_EQ(error([](json& r) { r["auth"]["metadata"] = json::array(); }),
            "auth.metadata must be an object");
  EXPECT_EQ(error([](json& r) { r["auth"]["metadata"]["service_account_namespace"] = {"a"}; }),
            "auth.metadata.service_account_namespace must be a string");
  EXPECT_EQ(error([](json& r) { r["auth"]["metadata"]["role"] = false; }),
            "auth.metadata.role must be a string");
  EXPECT_EQ(error([](json& r) { r["request"] = json::array(); }), "request must be an object");
  EXPECT_EQ(error([](json& r) { r["request"]["path"] = 3; }), "request.path must be a string");
  EXPECT_EQ(error([](json& r) { r["request"]["operation"] = nullptr; }),
            "request.operation must be a string");
  EXPECT_EQ(error([](json& r) { r["request"]["namespace"] = "root"; }),
            "request.namespace must be an object");
  EXPECT_EQ(error([](json& r) { r["request"]["namespace"]["path"] = 0; }),
            "request.namespace.path must be a string");
  EXPECT_EQ(error_of(parse_audit_record("[1,2]", acme_globex_mapping())),
            "audit record must be a JSON object");
}

TEST(AuditRecord, RejectsUnknownTypeAndMissingFields) {
  using nlohmann::json;
  const std::string name = "kv2_read_kubernetes.json";
  auto error = [&](const std::function<void(json&)>& edit) {
    return error_of(map_edited(name, edit));
  };
  EXPECT_EQ(error([](json& r) { r["type"] = "Request"; }),
            "\"type\" must be \"request\" or \"response\"");
  EXPECT_EQ(error([](json& r) { r["type"] = "audit"; }),
            "\"type\" must be \"request\" or \"response\"");
  EXPECT_EQ(error([](json& r) { r.erase("type"); }), "missing \"type\"");
  EXPECT_EQ(error([](json& r) { r.erase("time"); }), "missing \"time\"");
  EXPECT_EQ(error([](json& r) { r.erase("request"); }), "missing \"request\"");
  EXPECT_EQ(error([](json& r) { r["request"].erase("path"); }), "missing request.path");
  EXPECT_EQ(error([](json& r) { r["request"].erase("operation"); }), "missing request.operation");
  EXPECT_EQ(error([](json& r) { r["request"].erase("namespace"); }), "missing request.namespace");
}

TEST(AuditRecord, TimeMustBeRfc3339Utc) {
  using nlohmann::json;
  const std::string name = "kv2_read_kubernetes.json";
  auto error = [&](const char* time) {
    return error_of(map_edited(name, [&](json& r) { r["time"] = time; }));
  };
  EXPECT_THAT(error("2026-11-29T11:00:00.5+01:00"), HasSubstr("must be UTC"));
  EXPECT_THAT(error("2026-11-29T10:00:00-00:00"), HasSubstr("must be UTC"));
  EXPECT_THAT(error("2026-11-29 10:00:00Z"), HasSubstr("RFC 3339"));
  EXPECT_THAT(error("2026-02-30T10:00:00Z"), HasSubstr("RFC 3339"));
  EXPECT_THAT(error(""), HasSubstr("RFC 3339"));
  // Go's RFC3339Nano drops trailing zeros, down to no fraction at all.
  EXPECT_EQ(error("2026-11-29T10:00:00Z"), "<no error>");
  EXPECT_EQ(error("2026-11-29T10:00:00.1Z"), "<no error>");
}

TEST(AuditRecord, RejectsPathsVaultWouldNotHaveWritten) {
  using nlohmann::json;
  const std::string name = "kv2_read_kubernetes.json";
  auto path_error = [&](const std::string& path) {
    return error_of(map_edited(name, [&](json& r) { r["request"]["path"] = path; }));
  };
  EXPECT_EQ(path_error(""), "request.path is empty");
  EXPECT_EQ(path_error("/secret/data/x"), "request.path must not start with '/'");
  EXPECT_EQ(path_error("secret//x"), "request.path has an empty segment");
  EXPECT_EQ(path_error("secret/x//"), "request.path has an empty segment");
  EXPECT_EQ(path_error("secret/data/../x"), "request.path has a '.' or '..' segment");
  EXPECT_EQ(path_error("secret/./x"), "request.path has a '.' or '..' segment");
  EXPECT_EQ(path_error(std::string("secret/a\0b", 10)),
            "request.path contains a control character");
  EXPECT_EQ(path_error("secret/a\nb"), "request.path contains a control character");
  EXPECT_EQ(path_error("secret/data/x/"), "<no error>");

  auto ns_error = [&](const std::string& ns) {
    return error_of(map_edited(name, [&](json& r) { r["request"]["namespace"]["path"] = ns; }));
  };
  EXPECT_EQ(ns_error("tenants//acme/"), "request.namespace.path has an empty segment");
  EXPECT_EQ(ns_error("/tenants/acme/"), "request.namespace.path must not start with '/'");
  EXPECT_EQ(ns_error("tenants/../globex/"), "request.namespace.path has a '.' or '..' segment");
  EXPECT_EQ(ns_error("tenants/acme"), "<no error>");  // without Vault's trailing '/'
  EXPECT_EQ(ns_error(""), "<no error>");              // the root namespace
}

TEST(AuditRecord, RejectsOperationsThatAreNotVaultOperationNames) {
  using nlohmann::json;
  auto error = [&](const std::string& operation) {
    return error_of(map_edited("kv2_read_kubernetes.json",
                               [&](json& r) { r["request"]["operation"] = operation; }));
  };
  EXPECT_THAT(error("READ"), HasSubstr("request.operation must be a Vault operation name"));
  EXPECT_THAT(error(""), HasSubstr("request.operation must be a Vault operation name"));
  EXPECT_THAT(error(std::string(33, 'r')), HasSubstr("must be a Vault operation name"));
  EXPECT_EQ(error("alias-lookahead"), "<no error>");
}

TEST(AuditRecord, ErrorsNeverEchoRecordContent) {
  const AuditMapping mapping = acme_globex_mapping();
  const std::string secret = "hvs.CAESIJT2KM9n2KJqgSECRET";
  // Malformed JSON: nlohmann quotes the last bytes it read; they must not reach the message.
  std::string truncated = R"({"type":"request","auth":{"client_token":")" + secret;
  std::string message = error_of(parse_audit_record(truncated, mapping));
  EXPECT_THAT(message, HasSubstr("invalid JSON"));
  EXPECT_THAT(message, Not(HasSubstr("hvs.")));
  std::string bad_literal = R"({"type":"request","x":)" + secret + "}";
  EXPECT_THAT(error_of(parse_audit_record(bad_literal, mapping)), Not(HasSubstr("hvs.")));
  // Wrong values are named by field, not quoted.
  auto wrong_type =
      map_edited("kv2_read_kubernetes.json", [&](nlohmann::json& r) { r["type"] = secret; });
  EXPECT_THAT(error_of(wrong_type), Not(HasSubstr("hvs.")));
  auto wrong_time =
      map_edited("kv2_read_kubernetes.json", [&](nlohmann::json& r) { r["time"] = secret; });
  EXPECT_THAT(error_of(wrong_time), Not(HasSubstr("hvs.")));
}

TEST(AuditRecord, DeepRequestDataWithinLimitIsAcceptedAndBeyondItRejected) {
  auto with_depth = [](int depth) {
    std::string data;
    for (int i = 0; i < depth; ++i) data += "{\"a\":";
    data += "1";
    for (int i = 0; i < depth; ++i) data += "}";
    std::string record = R"({"time":"2026-11-29T10:00:00Z","type":"request","request":{)"
                         R"("operation":"update","path":"secret/data/x","namespace":{"id":"root"},)"
                         R"("data":)" +
                         data + "}}";
    return parse_audit_record(record, acme_globex_mapping());
  };
  auto deep = with_depth(300);
  EXPECT_TRUE(std::holds_alternative<Event>(deep)) << error_of(deep);
  EXPECT_THAT(error_of(with_depth(600)), HasSubstr("nesting deeper than"));
}

TEST(AuditRecord, TrailingGarbageAfterTheObjectIsRejected) {
  EXPECT_THAT(error_of(parse_audit_record(fixture("kv2_read_kubernetes.json") + "{}",
                                          acme_globex_mapping())),
              HasSubstr("invalid JSON"));
}

TEST(AuditRecord, AmbiguousTenantOwnerIsRejectedAsOnTheProxy) {
  // "ACME" is no valid tenant id: nobody could tell which tenant's rules apply.
  auto result = map_edited("kv2_read_kubernetes.json", [](nlohmann::json& r) {
    r["request"]["path"] = "secret/data/tenants/ACME/db";
  });
  EXPECT_THAT(error_of(result), HasSubstr("ambiguous"));
}

TEST(AuditOperation, VaultOperationsClassifyLikeTheProxy) {
  struct Case {
    const char* operation;
    const char* path;
    const char* expected;
  };
  const Case cases[] = {
      {"read", "secret/data/a", "read"},
      {"list", "secret/metadata/a/", "list"},
      {"create", "secret/data/a", "write"},
      {"update", "secret/data/a", "write"},
      {"patch", "secret/data/a", "write"},
      {"delete", "secret/data/a", "delete"},
      {"renew", "sys/leases/renew", "sys"},
      {"revoke", "auth/token/revoke-self", "other"},
      {"help", "secret/data/a", "other"},
      {"alias-lookahead", "auth/kubernetes/login", "login"},
      {"update", "auth/kubernetes/login", "login"},
      {"update", "auth/userpass/login/alice", "login"},
      {"update", "auth/kubernetes/prod/login", "login"},
      {"update", "auth/token/create", "token_create"},
      {"update", "auth/token/create-orphan", "token_create"},
      {"update", "auth/token/create/acme-role", "token_create"},
      {"read", "identity/oidc/token/acme-ci", "oidc_token"},
      {"read", "identity/oidc/token", "read"},
      {"update", "sys/wrapping/unwrap", "unwrap"},
      {"update", "sys/wrapping/rewrap", "rewrap"},
      {"update", "sys/wrapping/lookup", "lookup"},
      {"update", "sys/wrapping/wrap", "sys"},
      {"read", "sys/health", "sys"},
      {"read", "sysx/health", "read"},
      {"read", "cubbyhole/response", "read"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(audit_operation(c.operation, c.path).name, c.expected)
        << c.operation << " " << c.path;
  }
  EXPECT_TRUE(audit_operation("update", "auth/kubernetes/login").token_exchange);
  EXPECT_TRUE(audit_operation("update", "sys/wrapping/unwrap").token_exchange);
  EXPECT_FALSE(audit_operation("read", "secret/data/a").token_exchange);
  EXPECT_FALSE(audit_operation("update", "sys/mounts/x").token_exchange);
}

TEST(AuditOperation, LogicalPathDropsOnlyTheKv2InfixOfKv2Mounts) {
  const std::vector<std::string> mounts = {"secret", "kv"};
  EXPECT_EQ(logical_vault_path("secret/data/tenants/acme/db", mounts), "secret/tenants/acme/db");
  for (std::string_view infix : {"metadata", "delete", "undelete", "destroy", "subkeys"}) {
    EXPECT_EQ(logical_vault_path("kv/" + std::string(infix) + "/a", mounts), "kv/a") << infix;
  }
  EXPECT_EQ(logical_vault_path("secret/data", mounts), "secret");
  EXPECT_EQ(logical_vault_path("secret/config", mounts), "secret/config");
  EXPECT_EQ(logical_vault_path("secret/a/data/b", mounts), "secret/a/data/b");
  EXPECT_EQ(logical_vault_path("kv1/data/a", mounts), "kv1/data/a");
  EXPECT_EQ(logical_vault_path("secret/metadata/a/", mounts), "secret/a");
  EXPECT_EQ(logical_vault_path("secret/data/a", {}), "secret/data/a");
  EXPECT_EQ(logical_vault_path("kv/prod/data/a", {"kv/prod"}), "kv/prod/a");  // nested mount
  EXPECT_EQ(logical_vault_path("kv/data/a", {"kv/prod"}), "kv/data/a");
}

}  // namespace
}  // namespace panguard::vault
