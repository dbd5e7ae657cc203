#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/tenant_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/sources/vault/base64url.h"
#include "tests/unit/vault/jwt_test_keys.h"

namespace panguard::vault {
namespace {

using nlohmann::json;
using testing::ed25519_key;
using ::testing::HasSubstr;
using testing::other_rsa_key;
using testing::p256_key;
using testing::rsa_key;
using testing::sign_token;
using testing::signing_input;
using testing::TestKey;

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr const char* kIssuer = "https://issuer.panguard.test";
constexpr const char* kAudience = "panguard-vault";

KeySet pinned_keys() {
  auto loaded = load_jwks(testing::jwks_text(
      {rsa_key().jwk("rsa-1"), p256_key().jwk("ec-1"), ed25519_key().jwk("ed-1")}));
  return std::get<KeySet>(std::move(loaded));
}

JwtPolicy default_policy() {
  JwtPolicy policy;
  policy.issuer = kIssuer;
  policy.audience = kAudience;
  return policy;
}

json header_for(const std::string& alg, const std::string& kid) {
  return {{"alg", alg}, {"kid", kid}, {"typ", "JWT"}};
}

json good_claims() {
  return {{"iss", kIssuer},      {"aud", kAudience}, {"sub", "system:serviceaccount:acme:app"},
          {"tenant_id", "acme"}, {"iat", kNow - 10}, {"exp", kNow + 300}};
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtVerifierTest() : verifier_(pinned_keys(), default_policy()) {}

  static std::string token(const TestKey& key, const std::string& kid, const json& claims) {
    return sign_token(key, header_for(key.alg(), kid).dump(), claims.dump());
  }
  static std::string rsa_token(const json& claims) { return token(rsa_key(), "rsa-1", claims); }

  VerifiedSession expect_ok(const std::string& jwt, int64_t now = kNow) const {
    auto result = verifier_.verify(jwt, now);
    if (auto* error = std::get_if<JwtError>(&result)) {
      ADD_FAILURE() << "rejected: " << error->code << ": " << error->message;
      return {};
    }
    return std::get<VerifiedSession>(result);
  }

  // Also checks the rule every rejection shares: no part of the token in the message. Returns
  // the message.
  std::string expect_error(const std::string& jwt, std::string_view code,
                           int64_t now = kNow) const {
    return expect_error_from(verifier_, jwt, code, now);
  }
  static std::string expect_error_from(const JwtVerifier& verifier, const std::string& jwt,
                                       std::string_view code, int64_t now = kNow) {
    auto result = verifier.verify(jwt, now);
    const auto* error = std::get_if<JwtError>(&result);
    if (!error) {
      ADD_FAILURE() << "accepted a token that should fail with " << code;
      return {};
    }
    EXPECT_EQ(error->code, code) << error->message;
    std::size_t start = 0;
    while (start <= jwt.size()) {
      std::size_t end = jwt.find('.', start);
      if (end == std::string::npos) end = jwt.size();
      const std::string segment = jwt.substr(start, end - start);
      if (segment.size() >= 8) {
        EXPECT_THAT(error->message, ::testing::Not(HasSubstr(segment)));
      }
      start = end + 1;
    }
    return error->message;
  }

  JwtVerifier verifier_;
};

TEST_F(JwtVerifierTest, AcceptsEachPinnedAlgorithm) {
  for (const auto& [key, kid] : {std::pair{&rsa_key(), "rsa-1"}, std::pair{&p256_key(), "ec-1"},
                                 std::pair{&ed25519_key(), "ed-1"}}) {
    const VerifiedSession session = expect_ok(token(*key, kid, good_claims()));
    EXPECT_EQ(session.tenant_id, "acme") << kid;
    EXPECT_EQ(session.subject, "system:serviceaccount:acme:app");
    EXPECT_EQ(session.expires_at, kNow + 300);
  }
}

TEST_F(JwtVerifierTest, AcceptsAnAudienceArrayContainingOurs) {
  json claims = good_claims();
  claims["aud"] = {"other-service", kAudience};
  EXPECT_EQ(expect_ok(rsa_token(claims)).tenant_id, "acme");
}

TEST_F(JwtVerifierTest, AcceptsMinimalHeaderAndClaims) {
  const json claims = {{"iss", kIssuer}, {"aud", kAudience}, {"exp", kNow + 1}, {"tenant_id", "a"}};
  const VerifiedSession session =
      expect_ok(sign_token(ed25519_key(), R"({"alg":"EdDSA","kid":"ed-1"})", claims.dump()));
  EXPECT_EQ(session.subject, "");
  EXPECT_EQ(session.tenant_id, "a");
}

TEST_F(JwtVerifierTest, TypIsCaseInsensitiveJwtOrAbsent) {
  const std::string claims = good_claims().dump();
  expect_ok(sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","typ":"jwt"})", claims));
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","typ":"at+jwt"})", claims),
               jwt_error::kBadTyp);
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","typ":1})", claims),
               jwt_error::kBadTyp);
}

// --- Algorithm attacks -------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsAlgNoneInAnyCase) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string input = signing_input(header_for(alg, "rsa-1").dump(), good_claims().dump());
    expect_error(input + ".", jwt_error::kBadAlg);
    // Even carrying a valid RS256 signature, "none" is not the key's algorithm.
    expect_error(input + "." + encode_base64url(rsa_key().sign(input)), jwt_error::kBadAlg);
    // And with no kid at all.
    expect_error(signing_input(json{{"alg", alg}}.dump(), good_claims().dump()) + ".",
                 jwt_error::kBadAlg);
  }
}

TEST_F(JwtVerifierTest, RejectsHs256SignedWithThePublicKey) {
  const std::string input =
      signing_input(header_for("HS256", "rsa-1").dump(), good_claims().dump());
  const std::string n = *decode_base64url(rsa_key().jwk("rsa-1")["n"].get<std::string>());
  for (const std::string& secret : {rsa_key().public_pem(), rsa_key().jwk("rsa-1").dump(), n}) {
    expect_error(input + "." + encode_base64url(testing::hmac_sha256(secret, input)),
                 jwt_error::kBadAlg);
  }
}

TEST_F(JwtVerifierTest, RejectsOtherAlgorithmsForAnRs256Key) {
  for (const char* alg : {"RS512", "RS384", "PS256", "rs256", "RS256 ", "ES256", "EdDSA"}) {
    const std::string input = signing_input(header_for(alg, "rsa-1").dump(), good_claims().dump());
    {
      SCOPED_TRACE(::testing::Message() << alg);
      expect_error(input + "." + encode_base64url(rsa_key().sign(input)), jwt_error::kBadAlg);
    }
  }
}

TEST_F(JwtVerifierTest, RejectsATokenOfAnotherKeyTypeAgainstAPinnedKid) {
  // An ES256 token naming the RSA key, an EdDSA token naming the EC key, and so on.
  expect_error(token(p256_key(), "rsa-1", good_claims()), jwt_error::kBadAlg);
  expect_error(token(ed25519_key(), "ec-1", good_claims()), jwt_error::kBadAlg);
  expect_error(token(rsa_key(), "ed-1", good_claims()), jwt_error::kBadAlg);
}

TEST_F(JwtVerifierTest, RejectsAMissingOrNonStringAlg) {
  const std::string claims = good_claims().dump();
  expect_error(sign_token(rsa_key(), R"({"kid":"rsa-1"})", claims), jwt_error::kBadAlg);
  expect_error(sign_token(rsa_key(), R"({"alg":["RS256"],"kid":"rsa-1"})", claims),
               jwt_error::kBadAlg);
}

TEST_F(JwtVerifierTest, RejectsCrit) {
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","crit":["exp"]})",
                          good_claims().dump()),
               jwt_error::kCritUnsupported);
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","b64":false,"crit":["b64"]})",
                          good_claims().dump()),
               jwt_error::kCritUnsupported);
}

// --- Key selection ------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsUnknownAndPathLikeKids) {
  for (const std::string& kid :
       {std::string("rsa-2"), std::string("RSA-1"), std::string(""),
        std::string("../../etc/passwd"), std::string("/etc/passwd"),
        std::string("file:///etc/passwd"), std::string("https://evil.example/jwks.json#rsa-1"),
        std::string("rsa-1/../rsa-1"), std::string("rsa-1\0", 6), std::string("rsa-1 ")}) {
    {
      SCOPED_TRACE(::testing::Message() << kid);
      expect_error(token(rsa_key(), kid, good_claims()), jwt_error::kUnknownKid);
    }
  }
}

TEST_F(JwtVerifierTest, RequiresAKid) {
  const std::string claims = good_claims().dump();
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256"})", claims), jwt_error::kMissingKid);
  expect_error(sign_token(rsa_key(), R"({"alg":"RS256","kid":1})", claims), jwt_error::kMissingKid);
}

TEST_F(JwtVerifierTest, IgnoresJkuX5uX5cAndEmbeddedJwk) {
  json header = header_for("RS256", "rsa-1");
  header["jku"] = "https://evil.example/jwks.json";
  header["x5u"] = "https://evil.example/cert.pem";
  header["x5c"] = {"MIIBogus"};
  header["jwk"] = other_rsa_key().jwk("rsa-1");
  // Signed by the pinned key: the pointers elsewhere change nothing.
  EXPECT_EQ(expect_ok(sign_token(rsa_key(), header.dump(), good_claims().dump())).tenant_id,
            "acme");
  // Signed by the attacker's key that the header embeds and points to: rejected.
  expect_error(sign_token(other_rsa_key(), header.dump(), good_claims().dump()),
               jwt_error::kBadSignature);
}

// --- Signature ----------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsASignatureByAnotherKeyWithTheSameKid) {
  expect_error(token(other_rsa_key(), "rsa-1", good_claims()), jwt_error::kBadSignature);
  const TestKey other_ec = TestKey::p256();
  expect_error(token(other_ec, "ec-1", good_claims()), jwt_error::kBadSignature);
  const TestKey other_ed = TestKey::ed25519();
  expect_error(token(other_ed, "ed-1", good_claims()), jwt_error::kBadSignature);
}

TEST_F(JwtVerifierTest, RejectsTruncatedExtendedAndFlippedSignatures) {
  for (const auto& [key, kid] : {std::pair{&rsa_key(), "rsa-1"}, std::pair{&p256_key(), "ec-1"},
                                 std::pair{&ed25519_key(), "ed-1"}}) {
    const std::string input =
        signing_input(header_for(key->alg(), kid).dump(), good_claims().dump());
    const std::string signature = key->sign(input);
    const std::string truncated = signature.substr(0, signature.size() - 1);
    EXPECT_THAT(expect_error(input + "." + encode_base64url(truncated), jwt_error::kBadSignature),
                HasSubstr("wrong length"));
    EXPECT_THAT(
        expect_error(input + "." + encode_base64url(signature + '\0'), jwt_error::kBadSignature),
        HasSubstr("wrong length"));
    EXPECT_THAT(expect_error(input + ".", jwt_error::kBadSignature), HasSubstr("wrong length"));
    std::string flipped = signature;
    flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x01);
    EXPECT_THAT(expect_error(input + "." + encode_base64url(flipped), jwt_error::kBadSignature),
                HasSubstr("does not verify"));
  }
}

TEST_F(JwtVerifierTest, RejectsDerEncodedEs256Signatures) {
  const std::string input = signing_input(header_for("ES256", "ec-1").dump(), good_claims().dump());
  const std::string raw = p256_key().sign(input);
  // Re-encode r||s as DER, the form some libraries emit by mistake.
  auto integer = [](std::string value) {
    while (value.size() > 1 && value.front() == '\0') value.erase(0, 1);
    if (static_cast<unsigned char>(value.front()) & 0x80) value.insert(0, 1, '\0');
    return std::string{'\x02', static_cast<char>(value.size())} + value;
  };
  const std::string body = integer(raw.substr(0, 32)) + integer(raw.substr(32));
  const std::string der = std::string{'\x30', static_cast<char>(body.size())} + body;
  EXPECT_THAT(expect_error(input + "." + encode_base64url(der), jwt_error::kBadSignature),
              HasSubstr("wrong length"));
}

TEST_F(JwtVerifierTest, RejectsAPayloadChangedAfterSigning) {
  const std::string original = rsa_token(good_claims());
  json forged = good_claims();
  forged["tenant_id"] = "globex";
  const std::size_t first = original.find('.');
  const std::size_t second = original.find('.', first + 1);
  const std::string tampered =
      original.substr(0, first + 1) + encode_base64url(forged.dump()) + original.substr(second);
  expect_error(tampered, jwt_error::kBadSignature);
}

// --- Encoding and shape -------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RejectsTokensThatAreNotThreeSegments) {
  const std::string jwt = rsa_token(good_claims());
  expect_error("", jwt_error::kMalformed);
  expect_error(jwt.substr(0, jwt.rfind('.')), jwt_error::kMalformed);
  expect_error(jwt + ".", jwt_error::kMalformed);
  expect_error(jwt + ".e30.e30", jwt_error::kMalformed);  // JWE-shaped
}

TEST_F(JwtVerifierTest, RejectsMalformedBase64) {
  const std::string jwt = rsa_token(good_claims());
  const std::size_t first = jwt.find('.');
  const std::size_t second = jwt.find('.', first + 1);
  for (std::size_t at : {first, second, jwt.size()}) {
    for (const char* junk : {"=", "==", "+", "/", " ", "\n", "\t", "%3D"}) {
      std::string broken = jwt;
      broken.insert(at, junk);
      {
        SCOPED_TRACE(::testing::Message() << at << " " << junk);
        expect_error(broken, jwt_error::kBadBase64);
      }
    }
  }
  std::string leading_space = " " + jwt;
  expect_error(leading_space, jwt_error::kBadBase64);
  // Standard-alphabet spelling of a signature.
  std::string standard = jwt;
  for (std::size_t i = second; i < standard.size(); ++i) {
    if (standard[i] == '-') standard[i] = '+';
    if (standard[i] == '_') standard[i] = '/';
  }
  if (standard != jwt) expect_error(standard, jwt_error::kBadBase64);
}

TEST_F(JwtVerifierTest, RejectsOversizedTokens) {
  json claims = good_claims();
  claims["padding"] = std::string(8192, 'x');
  expect_error(rsa_token(claims), jwt_error::kOversized);

  JwtPolicy small = default_policy();
  small.max_token_bytes = 200;
  const JwtVerifier strict(pinned_keys(), small);
  expect_error_from(strict, rsa_token(good_claims()), jwt_error::kOversized);
  // Rejected on length alone, before any parsing.
  expect_error_from(strict, std::string(201, '.'), jwt_error::kOversized);
}

TEST_F(JwtVerifierTest, RejectsDuplicateKeysInHeaderAndClaims) {
  const std::string duplicate_claims =
      R"({"iss":"https://issuer.panguard.test","aud":"panguard-vault","exp":1767225900,)"
      R"("tenant_id":"acme","tenant_id":"globex"})";
  expect_error(sign_token(rsa_key(), header_for("RS256", "rsa-1").dump(), duplicate_claims),
               jwt_error::kBadClaims);
  expect_error(
      sign_token(rsa_key(), R"({"alg":"RS256","kid":"rsa-1","alg":"none"})", good_claims().dump()),
      jwt_error::kBadHeader);
  expect_error(
      sign_token(rsa_key(), R"({"alg":"RS256","kid":"ec-1","kid":"rsa-1"})", good_claims().dump()),
      jwt_error::kBadHeader);
}

TEST_F(JwtVerifierTest, RejectsHeadersAndPayloadsThatAreNotObjects) {
  const std::string header = header_for("RS256", "rsa-1").dump();
  expect_error(sign_token(rsa_key(), "[]", good_claims().dump()), jwt_error::kBadHeader);
  expect_error(sign_token(rsa_key(), "not json", good_claims().dump()), jwt_error::kBadHeader);
  expect_error(sign_token(rsa_key(), header + " {}", good_claims().dump()), jwt_error::kBadHeader);
  expect_error(sign_token(rsa_key(), header, "[]"), jwt_error::kBadClaims);
  expect_error(sign_token(rsa_key(), header, R"("acme")"), jwt_error::kBadClaims);
  expect_error(sign_token(rsa_key(), header, ""), jwt_error::kBadClaims);
}

// --- Time claims --------------------------------------------------------------------------------

TEST_F(JwtVerifierTest, RequiresANumericExp) {
  json claims = good_claims();
  claims.erase("exp");
  expect_error(rsa_token(claims), jwt_error::kMissingExp);
  for (const json& exp : {json(std::to_string(kNow + 300)), json(true), json(nullptr), json(1e300),
                          json(-1), json::array({kNow + 300})}) {
    claims["exp"] = exp;
    {
      SCOPED_TRACE(::testing::Message() << exp.dump());
      expect_error(rsa_token(claims), jwt_error::kBadTimeClaim);
    }
  }
}

TEST_F(JwtVerifierTest, RejectsExpiredTokens) {
  json claims = good_claims();
  claims["exp"] = kNow;
  expect_error(rsa_token(claims), jwt_error::kExpired);
  claims["exp"] = kNow - 3600;
  expect_error(rsa_token(claims), jwt_error::kExpired);
  claims["exp"] = kNow + 1;
  expect_ok(rsa_token(claims));
  claims["exp"] = static_cast<double>(kNow) + 0.5;  // fractions round towards expiry
  expect_error(rsa_token(claims), jwt_error::kExpired);
}

TEST_F(JwtVerifierTest, LeewayCoversSmallClockSkewOnly) {
  JwtPolicy policy = default_policy();
  policy.leeway_seconds = 30;
  const JwtVerifier lenient(pinned_keys(), policy);
  json claims = good_claims();
  claims["exp"] = kNow - 29;
  EXPECT_TRUE(std::holds_alternative<VerifiedSession>(lenient.verify(rsa_token(claims), kNow)));
  claims["exp"] = kNow - 30;
  expect_error_from(lenient, rsa_token(claims), jwt_error::kExpired);

  claims = good_claims();
  claims["nbf"] = kNow + 30;
  EXPECT_TRUE(std::holds_alternative<VerifiedSession>(lenient.verify(rsa_token(claims), kNow)));
  claims["nbf"] = kNow + 31;
  expect_error_from(lenient, rsa_token(claims), jwt_error::kNotYetValid);
}

TEST_F(JwtVerifierTest, RejectsNbfAndIatInTheFuture) {
  json claims = good_claims();
  claims["nbf"] = kNow + 60;
  expect_error(rsa_token(claims), jwt_error::kNotYetValid);
  claims["nbf"] = kNow;
  expect_ok(rsa_token(claims));
  claims["nbf"] = "soon";
  expect_error(rsa_token(claims), jwt_error::kBadTimeClaim);

  claims = good_claims();
  claims["iat"] = kNow + 5;
  expect_error(rsa_token(claims), jwt_error::kIssuedInFuture);
  claims["iat"] = kNow;
  expect_ok(rsa_token(claims));
  claims["iat"] = false;
  expect_error(rsa_token(claims), jwt_error::kBadTimeClaim);
}

// --- Issuer, audience, subject, tenant ----------------------------------------------------------

TEST_F(JwtVerifierTest, RequiresTheConfiguredIssuer) {
  json claims = good_claims();
  for (const json& iss : {json("https://evil.example"), json(std::string(kIssuer) + "/"),
                          json("HTTPS://ISSUER.PANGUARD.TEST"), json(1), json::array({kIssuer})}) {
    claims["iss"] = iss;
    {
      SCOPED_TRACE(::testing::Message() << iss.dump());
      expect_error(rsa_token(claims), jwt_error::kWrongIssuer);
    }
  }
  claims.erase("iss");
  expect_error(rsa_token(claims), jwt_error::kWrongIssuer);
}

TEST_F(JwtVerifierTest, RequiresTheConfiguredAudience) {
  json claims = good_claims();
  for (const json& aud : {json("other-service"), json::array({"other-service", "another"}),
                          json::array(), json::array({kAudience, 1}), json(nullptr),
                          json({{"aud", kAudience}}), json("panguard-vault ")}) {
    claims["aud"] = aud;
    {
      SCOPED_TRACE(::testing::Message() << aud.dump());
      expect_error(rsa_token(claims), jwt_error::kWrongAudience);
    }
  }
  claims.erase("aud");
  expect_error(rsa_token(claims), jwt_error::kWrongAudience);
}

TEST_F(JwtVerifierTest, RejectsANonStringSubject) {
  json claims = good_claims();
  claims["sub"] = 42;
  expect_error(rsa_token(claims), jwt_error::kBadSubject);
}

TEST_F(JwtVerifierTest, RequiresAValidTenantClaim) {
  json claims = good_claims();
  for (const json& tenant :
       {json(42), json(nullptr), json::array({"acme"}), json({{"id", "acme"}}), json(""),
        json("Acme"), json("acme_corp"), json("-acme"), json("acme-"), json("acme.globex"),
        json("acme/../globex"), json(std::string("acme\0", 5)), json(std::string(64, 'a'))}) {
    claims["tenant_id"] = tenant;
    {
      SCOPED_TRACE(::testing::Message() << tenant.dump());
      expect_error(rsa_token(claims), jwt_error::kBadTenant);
    }
  }
  claims.erase("tenant_id");
  expect_error(rsa_token(claims), jwt_error::kBadTenant);
}

TEST_F(JwtVerifierTest, ReadsTheTenantFromTheConfiguredClaimOnly) {
  JwtPolicy policy = default_policy();
  policy.tenant_claim = "https://panguard.io/tenant";
  const JwtVerifier custom(pinned_keys(), policy);
  json claims = good_claims();
  claims["https://panguard.io/tenant"] = "globex";
  auto result = custom.verify(rsa_token(claims), kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(result));
  EXPECT_EQ(std::get<VerifiedSession>(result).tenant_id, "globex");

  claims.erase("https://panguard.io/tenant");  // "tenant_id" is still there, but not configured
  expect_error_from(custom, rsa_token(claims), jwt_error::kBadTenant);
}

TEST(TenantIdTest, IsADnsLabel) {
  for (const char* valid : {"a", "0", "acme", "acme-2", "a-b-c", "9lives"}) {
    EXPECT_TRUE(is_valid_tenant_id(valid)) << valid;
  }
  EXPECT_TRUE(is_valid_tenant_id(std::string(63, 'a')));
  for (const char* invalid : {"", "-", "a-", "-a", "A", "a_b", "a.b", "a b", "é"}) {
    EXPECT_FALSE(is_valid_tenant_id(invalid)) << invalid;
  }
  EXPECT_FALSE(is_valid_tenant_id(std::string(64, 'a')));
}

TEST_F(JwtVerifierTest, VerifiesConcurrentlyWithSharedKeys) {
  const std::vector<std::string> tokens = {
      token(rsa_key(), "rsa-1", good_claims()), token(p256_key(), "ec-1", good_claims()),
      token(ed25519_key(), "ed-1", good_claims()), token(other_rsa_key(), "rsa-1", good_claims())};
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::size_t which = static_cast<std::size_t>(i + t) % tokens.size();
        const bool ok =
            std::holds_alternative<VerifiedSession>(verifier_.verify(tokens[which], kNow));
        if (ok != (which != 3)) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// --- Policy -------------------------------------------------------------------------------------

TEST(JwtPolicyTest, RefusesPoliciesThatCannotBeEnforced) {
  auto with = [](auto change) {
    JwtPolicy policy = default_policy();
    change(policy);
    return policy;
  };
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.leeway_seconds = 61; })),
               std::invalid_argument);
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.leeway_seconds = -1; })),
               std::invalid_argument);
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.issuer.clear(); })),
               std::invalid_argument);
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.audience.clear(); })),
               std::invalid_argument);
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.tenant_claim.clear(); })),
               std::invalid_argument);
  EXPECT_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.max_token_bytes = 0; })),
               std::invalid_argument);
  EXPECT_NO_THROW(JwtVerifier(pinned_keys(), with([](JwtPolicy& p) { p.leeway_seconds = 60; })));
}

TEST(JwtPolicyTest, AnEmptyKeySetVerifiesNothing) {
  const JwtVerifier verifier(KeySet{}, default_policy());
  auto result = verifier.verify(
      sign_token(rsa_key(), header_for("RS256", "rsa-1").dump(), good_claims().dump()), kNow);
  ASSERT_TRUE(std::holds_alternative<JwtError>(result));
  EXPECT_EQ(std::get<JwtError>(result).code, jwt_error::kUnknownKid);
}

}  // namespace
}  // namespace panguard::vault
