// Request -> Event: tenant.* only from the verified identity, owners of path, namespace and role
// from the patterns, ambiguous owners rejected; and end to end through the default rule pack.
#include "agent/sources/vault/request_event.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agent/sources/vault/login_body.h"
#include "rules/evaluator.h"
#include "rules/pack_loader.h"
#include "rules/rule_pack.h"

namespace panguard::vault {
namespace {

using rules::Event;
using rules::FieldId;

VerifiedIdentity jwt_tenant(std::string tenant) {
  return VerifiedIdentity{std::move(tenant), IdentitySource::kJwt};
}

struct Request {
  std::string method = "GET";
  std::string target;
  std::vector<std::string_view> namespaces;
  std::string body;
};

// The whole pure pipeline a proxied request goes through.
std::variant<Event, Rejection> process(
    const Request& request, const VerifiedIdentity& identity,
    const TenantPatterns& patterns = TenantPatterns::defaults()) {
  auto canonical =
      canonicalize(request.method, request.target, request.namespaces, request_layout(patterns));
  if (auto* rejection = std::get_if<Rejection>(&canonical)) return std::move(*rejection);
  const auto& canonical_request = std::get<CanonicalRequest>(canonical);
  const Operation operation = classify(canonical_request);
  std::optional<std::string> role;
  if (operation.kind == OperationKind::kLogin) {
    auto extracted = extract_login_role(request.body);
    if (auto* rejection = std::get_if<Rejection>(&extracted)) return std::move(*rejection);
    role = std::get<std::optional<std::string>>(std::move(extracted));
  }
  return build_request_event(canonical_request, operation, patterns, role, identity);
}

Event event_of(const Request& request, const VerifiedIdentity& identity) {
  auto result = process(request, identity);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << request.method << " " << request.target << " rejected: " << rejection->code;
    return Event(rules::Source::kVault);
  }
  return std::get<Event>(std::move(result));
}

std::string rejection_code(const Request& request, const VerifiedIdentity& identity) {
  auto result = process(request, identity);
  if (auto* rejection = std::get_if<Rejection>(&result)) return rejection->code;
  ADD_FAILURE() << request.method << " " << request.target << " was accepted";
  return "";
}

std::string field(const Event& event, FieldId id) {
  const std::string* value = event.get_string(id);
  return value ? *value : "<absent>";
}

TEST(RequestEventTest, OwnReadCarriesEveryField) {
  const Event event =
      event_of({"GET", "/v1/secret/data/tenants/acme/db%20main", {}, ""}, jwt_tenant("acme"));
  EXPECT_EQ(event.source(), rules::Source::kVault);
  EXPECT_EQ(field(event, FieldId::kEvtType), "vault.request");
  EXPECT_EQ(field(event, FieldId::kTenantId), "acme");
  EXPECT_EQ(field(event, FieldId::kTenantSource), "jwt");
  EXPECT_EQ(field(event, FieldId::kVaultMethod), "GET");
  EXPECT_EQ(field(event, FieldId::kVaultRawPath), "secret/data/tenants/acme/db%20main");
  EXPECT_EQ(field(event, FieldId::kVaultPath), "secret/tenants/acme/db main");
  EXPECT_EQ(field(event, FieldId::kVaultOperation), "read");
  ASSERT_NE(event.get_bool(FieldId::kVaultTokenExchange), nullptr);
  EXPECT_FALSE(*event.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(field(event, FieldId::kVaultPathTenant), "acme");
  EXPECT_FALSE(event.has(FieldId::kVaultNamespace));
  EXPECT_FALSE(event.has(FieldId::kVaultNamespaceTenant));
  EXPECT_FALSE(event.has(FieldId::kVaultRole));
  EXPECT_FALSE(event.has(FieldId::kVaultRoleTenant));
}

TEST(RequestEventTest, PathTenantIsMatchedSegmentBySegment) {
  const auto acme = jwt_tenant("acme");
  for (const auto& [target, owner] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/secret/data/tenants/globex/db", "globex"},
           {"/v1/secret/data/tenants/acme-evil/db", "acme-evil"},
           {"/v1/secret/data/tenants/acmex/db", "acmex"},
           {"/v1/secret/metadata/tenants/globex/db", "globex"},
           {"/v1/secret/destroy/tenants/globex/db", "globex"},
           {"/v1/secret/data/tenants/acme", "acme"},
           {"/v1/secret/data/tenants", "<absent>"},
           {"/v1/secret/data/other/acme/db", "<absent>"},
           {"/v1/kv/data/tenants/globex/db", "<absent>"},
       }) {
    EXPECT_EQ(field(event_of({"GET", target, {}, ""}, acme), FieldId::kVaultPathTenant), owner)
        << target;
  }
}

TEST(RequestEventTest, TenantComesOnlyFromTheVerifiedIdentity) {
  // A tenant named in the body, the path or the namespace never becomes tenant.id.
  const Request login{"POST",
                      "/v1/auth/kubernetes/login",
                      {},
                      R"({"role":"acme-reader","tenant_id":"globex","tenant":"globex"})"};
  const Event verified = event_of(login, jwt_tenant("acme"));
  EXPECT_EQ(field(verified, FieldId::kTenantId), "acme");
  EXPECT_EQ(field(verified, FieldId::kTenantSource), "jwt");

  const Event unverified = event_of(login, VerifiedIdentity{});
  EXPECT_FALSE(unverified.has(FieldId::kTenantId));
  EXPECT_EQ(field(unverified, FieldId::kTenantSource), "none");
  EXPECT_EQ(field(unverified, FieldId::kVaultRoleTenant), "acme");

  // A tenant id that no verifier vouched for is dropped.
  const Event claimed = event_of({"GET", "/v1/secret/data/tenants/globex/db", {}, ""},
                                 VerifiedIdentity{"globex", IdentitySource::kNone});
  EXPECT_FALSE(claimed.has(FieldId::kTenantId));
  EXPECT_EQ(field(claimed, FieldId::kVaultPathTenant), "globex");

  const Event empty = event_of({"GET", "/v1/secret/data/tenants/globex/db", {}, ""},
                               VerifiedIdentity{"", IdentitySource::kJwt});
  EXPECT_FALSE(empty.has(FieldId::kTenantId));

  for (auto [source, name] :
       std::vector<std::pair<IdentitySource, std::string>>{{IdentitySource::kJwt, "jwt"},
                                                           {IdentitySource::kCgroup, "cgroup"},
                                                           {IdentitySource::kAccount, "account"},
                                                           {IdentitySource::kNone, "none"}}) {
    EXPECT_EQ(identity_source_name(source), name);
    const Event event =
        event_of({"GET", "/v1/sys/health", {}, ""}, VerifiedIdentity{"acme", source});
    EXPECT_EQ(field(event, FieldId::kTenantSource), name);
  }

  // A tenant in the query is refused outright.
  EXPECT_EQ(rejection_code({"GET", "/v1/secret/data/x?tenant=acme", {}, ""}, jwt_tenant("acme")),
            "query_unknown_key");
}

TEST(RequestEventTest, NamespaceTenantFromHeaderPathOrBoth) {
  const auto acme = jwt_tenant("acme");
  struct Case {
    std::string target;
    std::vector<std::string_view> headers;
    std::string namespace_path;
    std::string owner;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/secret/data/x", {"tenants/globex"}, "tenants/globex", "globex"},
           {"/v1/tenants/globex/secret/data/x", {}, "tenants/globex", "globex"},
           {"/v1/globex/secret/data/x", {"tenants"}, "tenants/globex", "globex"},
           {"/v1/secret/data/x", {"tenants/acme"}, "tenants/acme", "acme"},
           {"/v1/secret/data/x", {"tenants/acme-evil"}, "tenants/acme-evil", "acme-evil"},
           {"/v1/secret/data/x", {"tenants/acme/child"}, "tenants/acme/child", "<absent>"},
           {"/v1/secret/data/x", {"other/acme"}, "other/acme", "<absent>"},
       }) {
    const Event event = event_of({"GET", c.target, c.headers, ""}, acme);
    EXPECT_EQ(field(event, FieldId::kVaultNamespace), c.namespace_path) << c.target;
    EXPECT_EQ(field(event, FieldId::kVaultNamespaceTenant), c.owner) << c.target;
  }
}

TEST(RequestEventTest, LoginRoleAndItsTenant) {
  const auto acme = jwt_tenant("acme");
  const Event foreign = event_of(
      {"POST", "/v1/auth/kubernetes/login", {}, R"({"role":"globex-reader","jwt":"eyJ.x.y"})"},
      acme);
  EXPECT_EQ(field(foreign, FieldId::kVaultOperation), "login");
  ASSERT_NE(foreign.get_bool(FieldId::kVaultTokenExchange), nullptr);
  EXPECT_TRUE(*foreign.get_bool(FieldId::kVaultTokenExchange));
  EXPECT_EQ(field(foreign, FieldId::kVaultRole), "globex-reader");
  EXPECT_EQ(field(foreign, FieldId::kVaultRoleTenant), "globex");

  const Event no_role = event_of({"POST", "/v1/auth/kubernetes/login", {}, ""}, acme);
  EXPECT_FALSE(no_role.has(FieldId::kVaultRole));
  EXPECT_FALSE(no_role.has(FieldId::kVaultRoleTenant));

  const Event unowned =
      event_of({"POST", "/v1/auth/kubernetes/login", {}, R"({"role":"default"})"}, acme);
  EXPECT_EQ(field(unowned, FieldId::kVaultRole), "default");
  EXPECT_FALSE(unowned.has(FieldId::kVaultRoleTenant));

  // A role handed in for anything but a login is ignored.
  auto canonical = canonicalize("GET", "/v1/secret/data/tenants/acme/db", {},
                                request_layout(TenantPatterns::defaults()));
  const auto& request = std::get<CanonicalRequest>(canonical);
  auto built = build_request_event(request, classify(request), TenantPatterns::defaults(),
                                   std::string("globex-reader"), acme);
  ASSERT_TRUE(std::holds_alternative<Event>(built));
  EXPECT_FALSE(std::get<Event>(built).has(FieldId::kVaultRole));
  EXPECT_FALSE(std::get<Event>(built).has(FieldId::kVaultRoleTenant));
}

TEST(RequestEventTest, AmbiguousOwnersAreRejected) {
  const auto acme = jwt_tenant("acme");
  EXPECT_EQ(rejection_code(
                {"POST", "/v1/auth/kubernetes/login", {}, R"({"role":"acme-evil-reader"})"}, acme),
            "ambiguous_role_tenant");
  EXPECT_EQ(
      rejection_code({"POST", "/v1/auth/kubernetes/login", {}, R"({"role":"ACME-reader"})"}, acme),
      "ambiguous_role_tenant");
  EXPECT_EQ(rejection_code({"GET", "/v1/secret/data/tenants/ACME/db", {}, ""}, acme),
            "ambiguous_path_tenant");
  EXPECT_EQ(rejection_code({"GET", "/v1/secret/data/tenants/acme_evil/db", {}, ""}, acme),
            "ambiguous_path_tenant");
  EXPECT_EQ(rejection_code({"GET", "/v1/secret/data/x", {"tenants/Globex"}, ""}, acme),
            "ambiguous_namespace_tenant");
  EXPECT_EQ(rejection_code({"GET", "/v1/tenants/ACME/secret/data/x", {}, ""}, acme),
            "ambiguous_namespace_tenant");
  EXPECT_EQ(rejection_code({"POST",
                            "/v1/auth/kubernetes/login",
                            {},
                            R"({"role":"acme-reader","role":"globex-reader"})"},
                           acme),
            "login_body_duplicate_key");

  // Two path patterns that name different tenants for one path.
  auto patterns = TenantPatterns::compile({"kv/{tenant}/**", "kv/*/{tenant}/**"}, std::nullopt, {});
  ASSERT_TRUE(std::holds_alternative<TenantPatterns>(patterns));
  auto result =
      process({"GET", "/v1/kv/acme/globex", {}, ""}, acme, std::get<TenantPatterns>(patterns));
  ASSERT_TRUE(std::holds_alternative<Rejection>(result));
  EXPECT_EQ(std::get<Rejection>(result).code, "ambiguous_path_tenant");
}

TEST(RequestEventTest, ListByQueryAndListMethodGiveTheSameEvent) {
  const auto acme = jwt_tenant("acme");
  EXPECT_EQ(event_of({"LIST", "/v1/secret/metadata/tenants/globex/", {}, ""}, acme),
            event_of({"GET", "/v1/secret/metadata/tenants/globex/?list=true", {}, ""}, acme));
}

TEST(RequestEventTest, LoginSecretsNeverReachTheEvent) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.SECRET-PAYLOAD.SIG";
  const Event event =
      event_of({"POST",
                "/v1/auth/jwt/login",
                {},
                R"({"role":"acme-reader","jwt":")" + jwt + R"(","password":"hunter2"})"},
               jwt_tenant("acme"));
  for (const auto& info : rules::all_fields()) {
    const std::string* value = event.get_string(info.id);
    if (!value) continue;
    EXPECT_EQ(value->find("SECRET-PAYLOAD"), std::string::npos) << info.name;
    EXPECT_EQ(value->find("hunter2"), std::string::npos) << info.name;
  }
}

TEST(TenantPatternsTest, DefaultsAndCompileErrors) {
  const TenantPatterns defaults = TenantPatterns::defaults();
  EXPECT_EQ(defaults.paths.patterns().size(), 6u);
  ASSERT_TRUE(defaults.namespace_pattern.has_value());
  EXPECT_EQ(defaults.namespace_pattern->text(), "tenants/{tenant}");
  ASSERT_EQ(defaults.roles.patterns().size(), 1u);
  EXPECT_EQ(defaults.roles.patterns().front().text(), "{tenant}-*");
  EXPECT_EQ(request_layout(defaults).namespace_depth(), 2u);

  EXPECT_TRUE(std::holds_alternative<PatternError>(
      TenantPatterns::compile({"secret/data/tenants/**"}, "tenants/{tenant}", {"{tenant}-*"})));
  EXPECT_TRUE(std::holds_alternative<PatternError>(
      TenantPatterns::compile({"secret/{tenant}/**"}, "tenants/{tenant}{tenant}", {})));
  auto nested_role = TenantPatterns::compile({}, std::nullopt, {"roles/{tenant}-*"});
  ASSERT_TRUE(std::holds_alternative<PatternError>(nested_role));
  EXPECT_NE(std::get<PatternError>(nested_role).message.find("single segment"), std::string::npos);
  auto no_namespace = TenantPatterns::compile({"secret/{tenant}/**"}, std::nullopt, {});
  ASSERT_TRUE(std::holds_alternative<TenantPatterns>(no_namespace));
  EXPECT_EQ(request_layout(std::get<TenantPatterns>(no_namespace)).namespace_depth(), 0u);
}

// --- End to end through the shipped default rule pack ---------------------------------------

namespace fs = std::filesystem;

std::shared_ptr<const rules::RulePack> default_pack() {
  const fs::path dir = fs::path(PANGUARD_SOURCE_DIR) / "rules" / "packs" / "default";
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<rules::RuleFile> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    files.push_back({path.string(), text.str()});
  }
  auto result = rules::load_pack(files);
  for (const auto& diagnostic : result.diagnostics) ADD_FAILURE() << diagnostic.to_string();
  return result.pack;
}

class DefaultPackEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pack_ = new std::shared_ptr<const rules::RulePack>(default_pack());
  }
  static void TearDownTestSuite() {
    delete pack_;
    pack_ = nullptr;
  }

  // Names of the rules that match (limited rules included: they ask for a counter check).
  std::set<std::string> fired(const Request& request, const VerifiedIdentity& identity) {
    const rules::RulePack* pack = pack_->get();
    if (!pack) {
      ADD_FAILURE() << "the default pack did not load";
      return {};
    }
    const rules::Verdict verdict = rules::evaluate(event_of(request, identity), *pack);
    std::set<std::string> names;
    for (const auto* rule : verdict.matches) names.insert(rule->name);
    for (const auto& counter : verdict.counter_requests) names.insert(counter.rule->name);
    return names;
  }

  static std::shared_ptr<const rules::RulePack>* pack_;
};

std::shared_ptr<const rules::RulePack>* DefaultPackEndToEndTest::pack_ = nullptr;

using Names = std::set<std::string>;

TEST_F(DefaultPackEndToEndTest, AcmeReadingGlobexFiresAndReadingItsOwnDoesNot) {
  const auto acme = jwt_tenant("acme");
  EXPECT_EQ(fired({"GET", "/v1/secret/data/tenants/globex/db", {}, ""}, acme),
            Names{"Vault path of another tenant"});
  EXPECT_EQ(fired({"GET", "/v1/secret/data/tenants/acme/db", {}, ""}, acme), Names{});
  EXPECT_EQ(fired({"LIST", "/v1/secret/metadata/tenants/acme/", {}, ""}, acme), Names{});
  EXPECT_EQ(fired({"GET", "/v1/secret/metadata/tenants/globex/?list=true", {}, ""}, acme),
            Names{"Vault path of another tenant"});
  EXPECT_EQ(fired({"GET", "/v1/secret/data/tenants/acme-evil/db", {}, ""}, acme),
            Names{"Vault path of another tenant"});
  EXPECT_EQ(fired({"GET", "/v1/secret/data/tenants/acmex/db", {}, ""}, acme),
            Names{"Vault path of another tenant"});
}

TEST_F(DefaultPackEndToEndTest, ForeignNamespaceByHeaderPathOrSplitFires) {
  const auto acme = jwt_tenant("acme");
  const Names foreign_namespace{"Vault namespace of another tenant"};
  EXPECT_EQ(fired({"GET", "/v1/secret/data/db", {"tenants/globex"}, ""}, acme), foreign_namespace);
  EXPECT_EQ(fired({"GET", "/v1/tenants/globex/secret/data/db", {}, ""}, acme), foreign_namespace);
  EXPECT_EQ(fired({"GET", "/v1/globex/secret/data/db", {"tenants"}, ""}, acme), foreign_namespace);
  EXPECT_EQ(fired({"GET", "/v1/secret/data/db", {"tenants/acme"}, ""}, acme), Names{});
  EXPECT_EQ(fired({"GET", "/v1/tenants/acme/secret/data/db", {}, ""}, acme), Names{});
}

TEST_F(DefaultPackEndToEndTest, LoginsWithOwnAndForeignRoles) {
  const auto acme = jwt_tenant("acme");
  const std::string login = "/v1/auth/kubernetes/login";
  EXPECT_EQ(fired({"POST", login, {}, R"({"role":"globex-reader","jwt":"x"})"}, acme),
            (Names{"Vault login with another tenant's role", "Vault token exchange flood"}));
  EXPECT_EQ(fired({"POST", login, {}, R"({"role":"acme-reader","jwt":"x"})"}, acme),
            Names{"Vault token exchange flood"});
  // A tenant claimed in the body changes nothing: the JWT says acme.
  EXPECT_EQ(fired({"POST", login, {}, R"({"role":"globex-reader","tenant_id":"globex"})"}, acme),
            (Names{"Vault login with another tenant's role", "Vault token exchange flood"}));
}

TEST_F(DefaultPackEndToEndTest, UnverifiedNeutralAndOutsideRequests) {
  EXPECT_EQ(fired({"GET", "/v1/secret/data/tenants/acme/db", {}, ""}, VerifiedIdentity{}),
            Names{"Vault request without verified tenant"});
  const auto acme = jwt_tenant("acme");
  EXPECT_EQ(fired({"GET", "/v1/auth/token/lookup-self", {}, ""}, acme), Names{});
  EXPECT_EQ(fired({"GET", "/v1/sys/health", {}, ""}, acme), Names{});
  EXPECT_EQ(fired({"GET", "/v1/secret/data/shared/db", {}, ""}, acme),
            Names{"Vault path outside tenant prefix"});
  EXPECT_EQ(fired({"PUT", "/v1/sys/policies/acl/evil", {}, ""}, acme),
            Names{"Tenant Vault admin path"});
}

// The proxy hands its request over (rvalue overload, strings moved): the event must be the very
// one the copying overload builds, for a read, a login and a namespaced request.
TEST(RequestEventTest, GivingTheRequestUpBuildsTheSameEvent) {
  const TenantPatterns patterns = TenantPatterns::defaults();
  const RequestLayout layout = request_layout(patterns);
  const std::optional<std::string> role = "acme-app";
  struct Case {
    std::string method;
    std::string target;
    std::vector<std::string_view> namespaces;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "/v1/secret/data/tenants/acme/db?version=3", {}},
           {"POST", "/v1/auth/kubernetes/login", {}},
           {"LIST", "/v1/secret/metadata/tenants/globex/", {"tenants/globex"}},
           {"GET", "/v1/globex/secret/data/x", {"tenants"}},
       }) {
    auto canonical = canonicalize(c.method, c.target, c.namespaces, layout);
    ASSERT_TRUE(std::holds_alternative<CanonicalRequest>(canonical)) << c.target;
    CanonicalRequest request = std::get<CanonicalRequest>(canonical);
    const Operation operation = classify(request);
    auto copied = build_request_event(request, operation, patterns, role, jwt_tenant("acme"));
    auto moved =
        build_request_event(std::move(request), operation, patterns, role, jwt_tenant("acme"));
    ASSERT_TRUE(std::holds_alternative<Event>(copied)) << c.target;
    ASSERT_TRUE(std::holds_alternative<Event>(moved)) << c.target;
    EXPECT_EQ(std::get<Event>(moved), std::get<Event>(copied)) << c.target;
  }
}

}  // namespace
}  // namespace panguard::vault
