// libFuzzer target: loading a pinned JWKS (agent/sources/vault/jwks.h). load_jwks must never crash;
// a set it accepts must hold exactly the keys the document lists, each findable by its kid and
// bound to its own alg, with no private member anywhere; a set it rejects must say so without
// quoting the document's bytes from the JSON parser. An accepted set is also used once to verify
// a token, so that odd but accepted keys reach OpenSSL's verification code.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "agent/sources/vault/base64url.h"
#include "agent/sources/vault/jwks.h"
#include "agent/sources/vault/jwt_verifier.h"

using namespace panguard::vault;

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fuzz_vault_jwks: %s\n", what);
  std::abort();
}

// Any signature under every kid the document uses: the point is reaching the verify call.
void verify_once(const KeySet& keys, const std::string& kid, std::string_view alg) {
  JwtPolicy policy;
  policy.issuer = "https://issuer.panguard.test";
  policy.audience = "panguard-vault";
  const JwtVerifier verifier(keys, policy);
  const nlohmann::json header = {{"alg", alg}, {"kid", kid}};
  const std::string input =
      encode_base64url(header.dump()) + "." + encode_base64url(R"({"exp":4102444800})");
  for (std::size_t size : {64, 256, 512}) {
    const std::string token = input + "." + encode_base64url(std::string(size, '\x5a'));
    if (std::holds_alternative<VerifiedSession>(verifier.verify(token, 1767225600))) {
      die("a made-up signature verified");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto loaded = load_jwks(input);
  if (const auto* error = std::get_if<JwksError>(&loaded)) {
    if (error->message.empty()) die("empty error message");
    // Syntax errors keep the position but drop nlohmann's "; last read: '<input>'" echo. (Other
    // messages may name a kid or a duplicate key, which are the operator's own labels.)
    const bool syntax_error = error->message.starts_with("JWKS is not strict JSON") &&
                              error->message.find("duplicate key") == std::string::npos;
    if (syntax_error && error->message.find("last read") != std::string::npos) {
      die("syntax error quotes the input");
    }
    return 0;
  }
  const KeySet& keys = std::get<KeySet>(loaded);
  if (keys.size() == 0 || keys.size() > kMaxJwksKeys) die("key count out of bounds");

  // The strict parser accepted it, so the lenient one reads the same document.
  const auto document = nlohmann::json::parse(input);
  const auto& listed = document.at("keys");
  if (listed.size() != keys.size()) die("loaded a different number of keys than listed");
  for (const auto& jwk : listed) {
    for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
      if (jwk.contains(member)) die("accepted a key with private material");
    }
    const std::string kid = jwk.at("kid").get<std::string>();
    const VerificationKey* key = keys.find(kid);
    if (!key || key->kid != kid || !key->public_key) die("listed kid not found");
    if (algorithm_name(key->algorithm) != jwk.at("alg").get<std::string>()) die("alg not bound");
    verify_once(keys, kid, algorithm_name(key->algorithm));
  }
  return 0;
}
