#include "agent/sources/vault/jwks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/sources/vault/base64url.h"
#include "tests/unit/vault/jwt_test_keys.h"

namespace panguard::vault {
namespace {

using nlohmann::json;
using testing::ed25519_key;
using ::testing::HasSubstr;
using testing::jwks_text;
using ::testing::Not;
using testing::p256_key;
using testing::rsa_key;

KeySet load_ok(const std::string& text) {
  auto loaded = load_jwks(text);
  if (auto* error = std::get_if<JwksError>(&loaded)) {
    ADD_FAILURE() << "unexpected error: " << error->message;
    return {};
  }
  return std::get<KeySet>(std::move(loaded));
}

std::string load_error(const std::string& text) {
  auto loaded = load_jwks(text);
  if (auto* error = std::get_if<JwksError>(&loaded)) return error->message;
  ADD_FAILURE() << "JWKS was accepted: " << text;
  return {};
}

std::string one_key(const json& jwk) { return jwks_text({jwk}); }

TEST(JwksTest, LoadsOneKeyOfEachAlgorithmBoundToIt) {
  const KeySet keys = load_ok(
      jwks_text({rsa_key().jwk("rsa-1"), p256_key().jwk("ec-1"), ed25519_key().jwk("ed-1")}));
  ASSERT_EQ(keys.size(), 3u);
  ASSERT_NE(keys.find("rsa-1"), nullptr);
  EXPECT_EQ(keys.find("rsa-1")->algorithm, JwtAlgorithm::kRs256);
  EXPECT_EQ(keys.find("ec-1")->algorithm, JwtAlgorithm::kEs256);
  EXPECT_EQ(keys.find("ed-1")->algorithm, JwtAlgorithm::kEdDsa);
  EXPECT_EQ(keys.find("ed-1")->kid, "ed-1");
}

TEST(JwksTest, FindIsAnExactLookup) {
  const KeySet keys = load_ok(one_key(rsa_key().jwk("rsa-1")));
  EXPECT_EQ(keys.find("RSA-1"), nullptr);
  EXPECT_EQ(keys.find("rsa-"), nullptr);
  EXPECT_EQ(keys.find("rsa-1 "), nullptr);
  EXPECT_EQ(keys.find("../rsa-1"), nullptr);
  EXPECT_EQ(keys.find(""), nullptr);
}

TEST(JwksTest, UseAndKeyOpsMayAllowVerification) {
  json jwk = p256_key().jwk("ec-1");
  jwk.erase("use");
  EXPECT_EQ(load_ok(one_key(jwk)).size(), 1u);
  jwk["key_ops"] = {"verify"};
  EXPECT_EQ(load_ok(one_key(jwk)).size(), 1u);
}

TEST(JwksTest, IgnoresUnrelatedPublicMembers) {
  json jwk = rsa_key().jwk("rsa-1");
  jwk["x5t"] = "ignored";
  json document = {{"keys", {jwk}}, {"issuer", "ignored"}};
  EXPECT_EQ(load_ok(document.dump()).size(), 1u);
}

TEST(JwksTest, RejectsDocumentsThatAreNotAKeySet) {
  EXPECT_THAT(load_error("not json"), HasSubstr("not strict JSON"));
  EXPECT_THAT(load_error("[]"), HasSubstr("JSON object"));
  EXPECT_THAT(load_error("{}"), HasSubstr("\"keys\" array"));
  EXPECT_THAT(load_error(R"({"keys":{}})"), HasSubstr("\"keys\" array"));
  EXPECT_THAT(load_error(R"({"keys":[]})"), HasSubstr("no keys"));
  EXPECT_THAT(load_error(R"({"keys":["x"]})"), HasSubstr("key #0: not a JSON object"));
}

TEST(JwksTest, RejectsDuplicateJsonKeys) {
  const std::string jwk = rsa_key().jwk("rsa-1").dump();
  EXPECT_THAT(load_error(R"({"keys":[],"keys":[)" + jwk + "]}"), HasSubstr("duplicate key"));
  // A second "n" inside one key: two parsers could pick different moduli.
  std::string doubled = jwk;
  doubled.insert(1, R"("n":"AQAB",)");
  EXPECT_THAT(load_error(R"({"keys":[)" + doubled + "]}"), HasSubstr("duplicate key"));
}

TEST(JwksTest, SyntaxErrorsDoNotQuoteTheInput) {
  const std::string message = load_error(R"({"keys":[{"d":"c2VjcmV0LXByaXZhdGUtdmFsdWU" oops]})");
  EXPECT_THAT(message, Not(HasSubstr("c2VjcmV0")));
  EXPECT_THAT(message, Not(HasSubstr("last read")));
}

TEST(JwksTest, RejectsOversizedDocuments) {
  std::string text = one_key(rsa_key().jwk("rsa-1"));
  text.append(kMaxJwksBytes, ' ');
  EXPECT_THAT(load_error(text), HasSubstr("larger than"));
}

TEST(JwksTest, RejectsTooManyKeys) {
  std::vector<json> keys;
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i)
    keys.push_back(ed25519_key().jwk("k" + std::to_string(i)));
  EXPECT_THAT(load_error(jwks_text(keys)), HasSubstr("more than"));
}

TEST(JwksTest, RequiresAValidKid) {
  json jwk = ed25519_key().jwk("ed-1");
  jwk.erase("kid");
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"kid\""));
  for (const json& kid : {json(""), json(42), json("tab\there"), json("caf\xc3\xa9"),
                          json(std::string(kMaxKidBytes + 1, 'k'))}) {
    jwk["kid"] = kid;
    EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"kid\"")) << kid.dump();
  }
  jwk["kid"] = std::string(kMaxKidBytes, 'k');
  EXPECT_EQ(load_ok(one_key(jwk)).size(), 1u);
}

TEST(JwksTest, RejectsDuplicateKids) {
  const std::string message =
      load_error(jwks_text({rsa_key().jwk("same"), ed25519_key().jwk("same")}));
  EXPECT_THAT(message, HasSubstr("key #1: duplicate kid \"same\""));
}

TEST(JwksTest, RequiresASupportedAlgorithm) {
  json jwk = rsa_key().jwk("rsa-1");
  jwk.erase("alg");
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"alg\" must be one of"));
  for (const char* alg : {"none", "HS256", "RS512", "PS256", "rs256", "RS256 ", "ES384", "EDDSA"}) {
    jwk["alg"] = alg;
    EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"alg\" must be one of")) << alg;
  }
}

TEST(JwksTest, RejectsAnAlgorithmThatDoesNotMatchTheKeyType) {
  json rsa = rsa_key().jwk("k");
  rsa["alg"] = "ES256";
  EXPECT_THAT(load_error(one_key(rsa)), HasSubstr("ES256 needs kty \"EC\""));
  json ec = p256_key().jwk("k");
  ec["alg"] = "RS256";
  EXPECT_THAT(load_error(one_key(ec)), HasSubstr("RS256 needs kty \"RSA\""));
  ec["alg"] = "EdDSA";
  EXPECT_THAT(load_error(one_key(ec)), HasSubstr("EdDSA needs kty \"OKP\""));
  json wrong_curve = p256_key().jwk("k");
  wrong_curve["crv"] = "P-384";
  EXPECT_THAT(load_error(one_key(wrong_curve)), HasSubstr("crv \"P-256\""));
  json x25519 = ed25519_key().jwk("k");
  x25519["crv"] = "X25519";
  EXPECT_THAT(load_error(one_key(x25519)), HasSubstr("crv \"Ed25519\""));
}

TEST(JwksTest, RejectsKeysNotMeantForVerification) {
  json jwk = ed25519_key().jwk("ed-1");
  jwk["use"] = "enc";
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"use\""));
  jwk["use"] = "sig";
  jwk["key_ops"] = {"sign"};
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"key_ops\""));
  jwk["key_ops"] = "verify";
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("\"key_ops\""));
}

TEST(JwksTest, RejectsTheWholeSetWhenAnyKeyCarriesPrivateMaterial) {
  const std::string secret = "c2VjcmV0LXByaXZhdGUtdmFsdWU";
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    json leaked = rsa_key().jwk("leaked");
    leaked[member] = secret;
    const std::string message = load_error(jwks_text({ed25519_key().jwk("fine"), leaked}));
    EXPECT_THAT(message, HasSubstr("key #1"));
    EXPECT_THAT(message, HasSubstr(std::string("private member \"") + member + "\""));
    EXPECT_THAT(message, Not(HasSubstr(secret)));
  }
}

TEST(JwksTest, RejectsWeakOrMalformedRsaKeys) {
  const testing::TestKey small = testing::TestKey::rsa(1024);
  EXPECT_THAT(load_error(one_key(small.jwk("small"))), HasSubstr("2048 to 8192 bits"));

  json jwk = rsa_key().jwk("rsa-1");
  const std::string n = *decode_base64url(jwk["n"].get<std::string>());
  jwk["n"] = encode_base64url(std::string(1, '\0') + n);
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("leading zero"));
  jwk["n"] = encode_base64url(n) + "==";
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("base64url"));
  jwk["n"] = encode_base64url(n);
  for (const std::string& e : {std::string("\x01\x00\x00", 3), std::string("\x01"),
                               std::string("\x01\x00\x00\x00\x01", 5)}) {
    jwk["e"] = encode_base64url(e);
    EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("exponent")) << jwk["e"];
  }
  jwk["e"] = 65537;
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("base64url"));
}

TEST(JwksTest, RejectsMalformedEcKeys) {
  json jwk = p256_key().jwk("ec-1");
  const std::string x = *decode_base64url(jwk["x"].get<std::string>());
  const std::string y = *decode_base64url(jwk["y"].get<std::string>());
  jwk["x"] = encode_base64url(x.substr(1));
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("32-byte"));
  jwk["x"] = encode_base64url(x);
  std::string off_curve = y;
  off_curve.back() = static_cast<char>(off_curve.back() ^ 1);
  jwk["y"] = encode_base64url(off_curve);
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("not a point on P-256"));
  jwk.erase("y");
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("32-byte"));
}

TEST(JwksTest, RejectsMalformedEd25519Keys) {
  json jwk = ed25519_key().jwk("ed-1");
  const std::string x = *decode_base64url(jwk["x"].get<std::string>());
  jwk["x"] = encode_base64url(x + "x");
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("32-byte"));
  jwk["x"] = encode_base64url(x) + "=";
  EXPECT_THAT(load_error(one_key(jwk)), HasSubstr("32-byte"));
}

TEST(JwksTest, AlgorithmNamesAreExact) {
  EXPECT_EQ(parse_algorithm_name("RS256"), JwtAlgorithm::kRs256);
  EXPECT_EQ(parse_algorithm_name("ES256"), JwtAlgorithm::kEs256);
  EXPECT_EQ(parse_algorithm_name("EdDSA"), JwtAlgorithm::kEdDsa);
  EXPECT_EQ(parse_algorithm_name("none"), std::nullopt);
  EXPECT_EQ(parse_algorithm_name("eddsa"), std::nullopt);
  EXPECT_EQ(algorithm_name(JwtAlgorithm::kEdDsa), "EdDSA");
}

}  // namespace
}  // namespace panguard::vault
