// Adversarial inputs against the inline Vault proxy: one real `panguard run` (enforce mode) in
// front of one VaultStandIn, raw bytes over TCP per case. Every case checks the status code AND
// how many requests reached the upstream, so a refusal that still leaks a request fails, and the
// positive control in each group proves the group can fail at all.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"
#include "tests/unit/vault/jwt_test_keys.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

using vault::encode_base64url;
using vault::testing::ed25519_key;
using vault::testing::hmac_sha256;
using vault::testing::jwks_text;
using vault::testing::p256_key;
using vault::testing::rsa_key;
using vault::testing::sign_token;
using vault::testing::signing_input;

constexpr const char* kIssuer = "https://issuer.panguard.test";
constexpr const char* kAudience = "vault-proxy";
constexpr const char* kEdHeader = R"({"alg":"EdDSA","kid":"session-1","typ":"JWT"})";

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

nlohmann::json claims(const std::string& tenant) {
  return {{"iss", kIssuer},
          {"aud", kAudience},
          {"sub", tenant + "-app"},
          {"exp", now_seconds() + 600},
          {"iat", now_seconds() - 10},
          {"tenant_id", tenant}};
}

std::string ed_token(const nlohmann::json& payload) {
  return sign_token(ed25519_key(), kEdHeader, payload.dump());
}

std::string acme_token() { return ed_token(claims("acme")); }

// A token whose signature is computed by `sign` over the given header and claims.
std::string forged(const std::string& header, const nlohmann::json& payload,
                   const std::function<std::string(const std::string&)>& sign) {
  const std::string input = signing_input(header, payload.dump());
  return input + "." + encode_base64url(sign(input));
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// Request builders. Every request says Connection: close so one exchange is one request.
std::string request(const std::string& method, const std::string& target, const std::string& token,
                    const std::string& extra_headers = "", const std::string& body = "") {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n";
  if (!token.empty()) text += "X-Panguard-Session: " + token + "\r\n";
  text += extra_headers;
  if (!body.empty()) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return request("GET", target, acme_token(), extra_headers);
}

std::string get_with_token(const std::string& token) {
  return request("GET", "/v1/secret/data/tenants/acme/db", token);
}

std::string login(const std::string& body) {
  return request("POST", "/v1/auth/kubernetes/login", acme_token(), "", body);
}

// A POST to acme's own path with the given framing headers and raw body bytes.
std::string framed_post(const std::string& framing, const std::string& body) {
  return "POST /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n"
         "X-Panguard-Session: " +
         acme_token() + "\r\n" + framing + "\r\n" + body;
}

struct Case {
  std::string name;
  std::function<std::string()> make_request;  // built late: tokens carry a fresh `exp`
  int status;
  bool forwarded;
};

// Names the case in failure messages instead of dumping the object's bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

std::vector<Case> cases() {
  const std::string acme = "/v1/secret/data/tenants/acme/";
  const std::string ns_acme = "X-Vault-Namespace: tenants/acme\r\n";
  return {
      // Canonicalization: reject, never repair (400, nothing forwarded).
      {"OwnPathControl", [=] { return get(acme + "db"); }, 200, true},
      {"ListQueryControl", [] { return get("/v1/secret/metadata/tenants/acme/?list=true"); }, 200,
       true},
      {"DotDot", [=] { return get(acme + "../globex/db"); }, 400, false},
      {"DotDotEncodedLower", [=] { return get(acme + "%2e%2e/globex/db"); }, 400, false},
      {"DotDotEncodedUpperFirst", [=] { return get(acme + "%2E./globex/db"); }, 400, false},
      {"DotDotEncodedSecond", [=] { return get(acme + ".%2e/globex/db"); }, 400, false},
      {"DotDotDoubleEncoded", [=] { return get(acme + "%252e%252e/globex/db"); }, 400, false},
      {"DotDotSemicolon", [=] { return get(acme + "..;/globex/db"); }, 400, false},
      {"DotSegment", [=] { return get(acme + "./db"); }, 400, false},
      {"DoubleSlash", [=] { return get(acme + "/db"); }, 400, false},
      {"EncodedSlashUpper", [=] { return get(acme + "..%2Fglobex/db"); }, 400, false},
      {"EncodedSlashLower", [=] { return get(acme + "..%2fglobex/db"); }, 400, false},
      {"EncodedSlashDouble", [=] { return get(acme + "..%252Fglobex/db"); }, 400, false},
      {"EncodedBackslash", [=] { return get(acme + "..%5Cglobex%5Cdb"); }, 400, false},
      {"RawBackslash", [=] { return get(acme + "..\\globex\\db"); }, 400, false},
      {"SemicolonParameter", [] { return get("/v1/secret/data/tenants/acme;x=1/db"); }, 400, false},
      {"SemicolonTrailing", [=] { return get(acme + "db;jsessionid=1"); }, 400, false},
      {"EncodedNul", [=] { return get(acme + "db%00.json"); }, 400, false},
      {"EncodedNewline", [=] { return get(acme + "db%0d%0aX-Injected:%201"); }, 400, false},
      {"EncodedTab", [=] { return get(acme + "d%09b"); }, 400, false},
      {"RawControlByte",
       [=] {
         return get(acme +
                    "d\x01"
                    "b");
       },
       400, false},
      {"FullwidthDots", [=] { return get(acme + "%ef%bc%8e%ef%bc%8e/globex/db"); }, 400, false},
      {"OverlongDot", [=] { return get(acme + "%c0%ae%c0%ae/globex/db"); }, 400, false},
      {"RawNonAscii", [=] { return get(acme + "\xc0\xae\xc0\xae/globex/db"); }, 400, false},
      {"EncodedQuestionMark", [=] { return get(acme + "db%3Flist=true"); }, 400, false},
      {"NotV1", [] { return get("/V1/secret/data/tenants/acme/db"); }, 400, false},

      // Tenant prefix, matched segment by segment (403, nothing forwarded).
      {"ForeignTenant", [=] { return get("/v1/secret/data/tenants/globex/db"); }, 403, false},
      {"TenantWithSuffixDash", [] { return get("/v1/secret/data/tenants/acme-evil/db"); }, 403,
       false},
      {"TenantWithSuffixLetter", [] { return get("/v1/secret/data/tenants/acmex/db"); }, 403,
       false},
      {"ForeignMetadataList",
       [] { return request("LIST", "/v1/secret/metadata/tenants/globex/", acme_token()); }, 403,
       false},
      {"ForeignListQuery", [] { return get("/v1/secret/metadata/tenants/globex/?list=true"); }, 403,
       false},

      // Namespace: header and path prefix joined like Vault Enterprise does.
      {"OwnNamespaceHeaderControl", [=] { return get(acme + "db", ns_acme); }, 200, true},
      {"ForeignNamespaceHeader",
       [=] { return get(acme + "db", "X-Vault-Namespace: tenants/globex\r\n"); }, 403, false},
      {"ForeignNamespacePath", [] { return get("/v1/tenants/globex/secret/data/tenants/acme/db"); },
       403, false},
      {"ForeignNamespaceSplit",
       [] {
         return get("/v1/globex/secret/data/tenants/acme/db", "X-Vault-Namespace: tenants\r\n");
       },
       403, false},
      {"DuplicateNamespaceHeader", [=] { return get(acme + "db", ns_acme + ns_acme); }, 400, false},
      // The proxy drops what Connection names: the gate would judge acme's namespace, and Vault
      // would run the request in the root one.
      {"ConnectionDropsTheNamespaceHeader",
       [=] {
         return get("/v1/secret/data/shared/db", ns_acme + "Connection: X-Vault-Namespace\r\n");
       },
       400, false},
      {"DuplicateNamespaceHeaderConflicting",
       [=] { return get(acme + "db", ns_acme + "x-vault-namespace: tenants/globex\r\n"); }, 400,
       false},

      // Login role from the bounded JSON body; tenant only from the JWT.
      {"OwnLoginRoleControl", [] { return login(R"({"role":"acme-app","jwt":"sa-token"})"); }, 200,
       true},
      {"ForeignLoginRole", [] { return login(R"({"role":"globex-app","jwt":"sa-token"})"); }, 403,
       false},
      {"DuplicateRoleKeys",
       [] { return login(R"({"role":"acme-app","role":"globex-app","jwt":"sa-token"})"); }, 400,
       false},
      {"RoleKeyInOtherCase",
       [] { return login(R"({"Role":"globex-app","role":"acme-app","jwt":"sa-token"})"); }, 400,
       false},
      {"BodyTenantClaimOnForeignLogin",
       [] { return login(R"({"role":"globex-app","tenant_id":"globex","jwt":"sa-token"})"); }, 403,
       false},
      {"BodyTenantClaimOnForeignWrite",
       [] {
         return request("PUT", "/v1/secret/data/tenants/globex/db", acme_token(), "",
                        R"({"tenant_id":"globex","data":{"k":"v"}})");
       },
       403, false},
      {"BodyTenantClaimOnOwnWriteChangesNothing",
       [=] {
         return request("PUT", acme + "db", acme_token(), "",
                        R"({"tenant_id":"globex","data":{"k":"v"}})");
       },
       200, true},

      // Session JWT (401, nothing forwarded).
      {"Rs256TokenControl",
       [] {
         return get_with_token(
             sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1"})", claims("acme").dump()));
       },
       200, true},
      {"NoToken", [] { return get_with_token(""); }, 401, false},
      // Never read from the query: an unknown query key is refused before identity is checked.
      {"TokenInQueryOnly",
       [] {
         return request("GET", "/v1/secret/data/tenants/acme/db?X-Panguard-Session=" + acme_token(),
                        "");
       },
       400, false},
      {"AlgNoneLower",
       [] {
         return get_with_token(
             signing_input(R"({"alg":"none","kid":"session-1"})", claims("acme").dump()) + ".");
       },
       401, false},
      {"AlgNoneMixedCase",
       [] {
         return get_with_token(
             signing_input(R"({"alg":"nOnE","kid":"session-1"})", claims("acme").dump()) + ".");
       },
       401, false},
      {"AlgNoneUpperWithSignature",
       [] {
         return get_with_token(
             forged(R"({"alg":"NONE","kid":"session-1"})", claims("acme"),
                    [](const std::string& input) { return ed25519_key().sign(input); }));
       },
       401, false},
      {"Hs256SignedWithRsaPublicKey",
       [] {
         return get_with_token(forged(
             R"({"alg":"HS256","kid":"rsa-1"})", claims("acme"),
             [](const std::string& input) { return hmac_sha256(rsa_key().public_pem(), input); }));
       },
       401, false},
      {"Hs256SignedWithEd25519PublicKey",
       [] {
         return get_with_token(forged(R"({"alg":"HS256","kid":"session-1"})", claims("acme"),
                                      [](const std::string& input) {
                                        return hmac_sha256(ed25519_key().public_pem(), input);
                                      }));
       },
       401, false},
      // The RSA key is pinned to RS256. (The signature bytes are RS256 ones: the test helper
      // signs with SHA-256 only, so this proves refusal, not which check refused.)
      {"Rs512WhereRs256Pinned",
       [] {
         return get_with_token(
             sign_token(rsa_key(), R"({"alg":"RS512","kid":"rsa-1"})", claims("acme").dump()));
       },
       401, false},
      {"Es256WhereEdDsaPinned",
       [] {
         return get_with_token(
             sign_token(p256_key(), R"({"alg":"ES256","kid":"session-1"})", claims("acme").dump()));
       },
       401, false},
      {"UnknownKid",
       [] {
         return get_with_token(
             sign_token(ed25519_key(), R"({"alg":"EdDSA","kid":"other"})", claims("acme").dump()));
       },
       401, false},
      {"PathLikeKid",
       [] {
         return get_with_token(sign_token(ed25519_key(), R"({"alg":"EdDSA","kid":"../session-1"})",
                                          claims("acme").dump()));
       },
       401, false},
      {"NoKid",
       [] {
         return get_with_token(
             sign_token(ed25519_key(), R"({"alg":"EdDSA"})", claims("acme").dump()));
       },
       401, false},
      {"MissingExp",
       [] {
         auto payload = claims("acme");
         payload.erase("exp");
         return get_with_token(ed_token(payload));
       },
       401, false},
      {"ExpiredBeyondLeeway",
       [] {
         auto payload = claims("acme");
         payload["exp"] = now_seconds() - 3600;
         return get_with_token(ed_token(payload));
       },
       401, false},
      {"ExpAsString",
       [] {
         auto payload = claims("acme");
         payload["exp"] = std::to_string(now_seconds() + 600);
         return get_with_token(ed_token(payload));
       },
       401, false},
      {"WrongIssuer",
       [] {
         auto payload = claims("acme");
         payload["iss"] = "https://evil.test";
         return get_with_token(ed_token(payload));
       },
       401, false},
      {"WrongAudience",
       [] {
         auto payload = claims("acme");
         payload["aud"] = "other-service";
         return get_with_token(ed_token(payload));
       },
       401, false},
      {"DuplicateTenantClaim",
       [] {
         const std::string payload = claims("acme").dump();
         const std::string doubled =
             payload.substr(0, payload.size() - 1) + R"(,"tenant_id":"globex"})";
         return get_with_token(sign_token(ed25519_key(), kEdHeader, doubled));
       },
       401, false},
      {"Base64WithPadding", [] { return get_with_token(acme_token() + "=="); }, 401, false},
      {"Base64StandardAlphabet",
       [] {
         std::string token = acme_token();
         token[token.size() - 2] = '+';
         return get_with_token(token);
       },
       401, false},
      {"TwoSegments",
       [] { return get_with_token(signing_input(kEdHeader, claims("acme").dump())); }, 401, false},
      {"GarbageSegments", [] { return get_with_token("e30.e30.!!!"); }, 401, false},
      {"OversizedToken",
       [] {
         auto payload = claims("acme");
         payload["pad"] = std::string(9000, 'a');
         return get_with_token(ed_token(payload));
       },
       401, false},

      // Request smuggling shapes (400, nothing forwarded).
      {"ChunkedBodyControl",
       [] { return framed_post("Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"); }, 200,
       true},
      {"ContentLengthAndTransferEncoding",
       [] {
         return framed_post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                            "2\r\n{}\r\n0\r\n\r\n");
       },
       400, false},
      {"DuplicateContentLength",
       [] { return framed_post("Content-Length: 2\r\nContent-Length: 2\r\n", "{}"); }, 400, false},
      {"ContentLengthList", [] { return framed_post("Content-Length: 2, 2\r\n", "{}"); }, 400,
       false},
      // Beast alone accepts these and re-frames them; framing_rejection() refuses any
      // Transfer-Encoding other than one plain `chunked`.
      {"TransferEncodingChunkedIdentity",
       [] {
         return framed_post("Transfer-Encoding: chunked, identity\r\n", "2\r\n{}\r\n0\r\n\r\n");
       },
       400, false},
      {"TransferEncodingIdentity",
       [] { return framed_post("Transfer-Encoding: identity\r\n", "{}"); }, 400, false},
      {"TransferEncodingGzipChunked",
       [] { return framed_post("Transfer-Encoding: gzip, chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"); },
       400, false},
      {"TransferEncodingTwice",
       [] {
         return framed_post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                            "2\r\n{}\r\n0\r\n\r\n");
       },
       400, false},
      // An expectation other than one 100-continue (417, nothing forwarded); a repeated
      // 100-continue is as ambiguous as a repeated Content-Length.
      {"ExpectContinueBodySentControl",
       [] { return framed_post("Content-Length: 2\r\nExpect: 100-continue\r\n", "{}"); }, 200,
       true},
      {"ExpectOther", [] { return framed_post("Content-Length: 2\r\nExpect: 200-ok\r\n", "{}"); },
       417, false},
      {"ExpectContinueTwice",
       [] {
         return framed_post("Content-Length: 2\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n",
                            "{}");
       },
       417, false},
      {"ObsFoldContinuation",
       [] {
         return "GET /v1/secret/data/tenants/acme/db HTTP/1.1\r\nHost: vault\r\n"
                "Connection: close\r\nX-Panguard-Session: " +
                acme_token() + "\r\nX-Vault-Namespace: tenants\r\n /globex\r\n\r\n";
       },
       400, false},
      {"AbsoluteFormTarget", [] { return get("http://evil/v1/secret/data/tenants/acme/db"); }, 400,
       false},
      {"AuthorityFormTarget", [] { return request("CONNECT", "evil:8200", acme_token()); }, 400,
       false},
  };
}

class VaultProxyAdversarialTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    stand_in_ = new VaultStandIn();
    scratch_ = new ScratchDir();
    scratch_->write("jwks.json",
                    jwks_text({ed25519_key().jwk("session-1"), rsa_key().jwk("rsa-1")}));
    const std::string config = scratch_->write(
        "panguard.yaml",
        "mode: enforce\nadmin:\n  listen: 127.0.0.1:0\nvault:\n  enabled: true\n"
        "  listen: 127.0.0.1:0\n  upstream: http://127.0.0.1:" +
            std::to_string(stand_in_->port()) +
            "\nidentity:\n  jwt:\n    jwks_file: jwks.json\n    issuer: " + kIssuer +
            "\n    audience: " + kAudience + "\n");
    daemon_ = new ChildProcess({kPanguard, "run", "--config", config});
    if (!daemon_->wait_for_stderr(" ready\n", 20s)) return;
    std::smatch match;
    const std::string err = daemon_->stderr_text();
    if (std::regex_search(err, match,
                          std::regex("vault proxy listening on 127\\.0\\.0\\.1:(\\d+)"))) {
      port_ = static_cast<uint16_t>(std::stoi(match[1]));
    }
  }

  static void TearDownTestSuite() {
    daemon_->send_signal(SIGTERM);
    daemon_->wait_exit(10s);
    delete daemon_;
    delete scratch_;
    delete stand_in_;
  }

  static VaultStandIn* stand_in_;
  static ScratchDir* scratch_;
  static ChildProcess* daemon_;
  static uint16_t port_;
};

VaultStandIn* VaultProxyAdversarialTest::stand_in_ = nullptr;
ScratchDir* VaultProxyAdversarialTest::scratch_ = nullptr;
ChildProcess* VaultProxyAdversarialTest::daemon_ = nullptr;
uint16_t VaultProxyAdversarialTest::port_ = 0;

TEST_P(VaultProxyAdversarialTest, AnswersWithStatusAndForwardsOnlyWhenAllowed) {
  ASSERT_NE(port_, 0) << daemon_->stderr_text();
  const Case& c = GetParam();
  const std::size_t before = stand_in_->requests().size();
  const std::string response = raw_exchange(port_, c.make_request());
  EXPECT_EQ(status_of(response), c.status) << response;
  EXPECT_EQ(stand_in_->requests().size() - before, c.forwarded ? 1u : 0u)
      << (stand_in_->requests().empty() ? "" : stand_in_->requests().back().head);
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

INSTANTIATE_TEST_SUITE_P(Table, VaultProxyAdversarialTest, ::testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace panguard::integration
