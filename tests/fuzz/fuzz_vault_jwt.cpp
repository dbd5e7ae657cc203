// libFuzzer target: session JWT verification (agent/sources/vault/jwt_verifier.h) against a fixed
// test JWKS. Two input shapes:
//   - a compact token, verified as is;
//   - "SIGN\n<header JSON>\n<payload JSON>": the harness encodes both and signs them with the
//     Ed25519 test key below, so that fuzzing reaches the header and claim rules behind the
//     signature check, which a mutated token would almost never get past.
// Properties checked: no crash or UB; verification is deterministic and the cache agrees with it;
// an accepted token is canonical (each segment re-encodes to itself) and yields a valid tenant;
// a rejection uses a known code and one of a small fixed set of messages (never the token); in SIGN
// mode only the Ed25519 key under "EdDSA" can succeed.
//
// The RS256 and ES256 seeds in corpus/fuzz_vault_jwt were signed once with throwaway keys whose
// private halves were discarded; only their public JWKs are here.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "agent/sources/vault/base64url.h"
#include "agent/sources/vault/jwks.h"
#include "agent/sources/vault/jwt_cache.h"
#include "agent/sources/vault/jwt_verifier.h"
#include "agent/sources/vault/tenant_id.h"

using namespace panguard::vault;

namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z; seeds expire in 2100

constexpr const char* kTestJwks =
    R"({"keys":[)"
    R"({"alg":"RS256","e":"AQAB","kid":"rsa-1","kty":"RSA","n":"-pjbRRwOmUzyeskXCTsz5fokW0ECvVB9dUu6Vxa14XMV0c_j4x9y1le_kgq_KqZ9vb6BWMXv58qFTigT-DgS9XekgMyecmVhqWWd3DNXId89ITQ28YtNLD3xi5vRDVxAzMDOnud7f3sa5dNTgyI1k_fPtfouu2eHS2Whqs8iGBpLm9nrt79DJLRsqWUnQWgNT-ROk-GG4dmSgHs4vG36-EfVU0aAQB-V-AexZ-injGZMWPgtVdrm6VsKUIWuowQGlwIAtP7L4aZBLLHkAknDwS2olQqZvqDEJ-mGxrPm0ObOec4md2LwF4pZNEr6hwQEj8_QDogSbdkUrVR7HUyimQ","use":"sig"},)"
    R"({"alg":"ES256","crv":"P-256","kid":"ec-1","kty":"EC","use":"sig","x":"eSHmD2XUXbs4vMvtNDgaA1eAbnBZkVTzLWleTTHA3b8","y":"sFD45kP2dFuuBpY1NOqCR4fh6PO9BCNZ6OJ-4ew09tU"},)"
    R"({"alg":"EdDSA","crv":"Ed25519","kid":"ed-1","kty":"OKP","use":"sig","x":"vfcmpdcNtedMcZlXU4wkkdmfEv4vT1V-8XLU5P-scns"})"
    R"(]})";

// Test-only Ed25519 seed: SHA-256("panguard fuzz_vault_jwt test key: not a secret"). Its public
// key is "ed-1" above.
constexpr unsigned char kEd25519Seed[32] = {
    0x51, 0x04, 0x9a, 0x10, 0x11, 0xaf, 0xba, 0x38, 0xa7, 0x7b, 0xd1, 0x52, 0x5a, 0x55, 0xf5, 0x2e,
    0xb9, 0x2f, 0x98, 0x58, 0x79, 0xac, 0xf9, 0x54, 0xd7, 0xc2, 0x8f, 0x55, 0xab, 0xa9, 0x3e, 0x26};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fuzz_vault_jwt: %s\n", what);
  std::abort();
}

const JwtVerifier& verifier() {
  static const JwtVerifier instance = [] {
    auto keys = load_jwks(kTestJwks);
    if (!std::holds_alternative<KeySet>(keys)) die("test JWKS does not load");
    JwtPolicy policy;
    policy.issuer = "https://issuer.panguard.test";
    policy.audience = "panguard-vault";
    policy.leeway_seconds = 30;
    return JwtVerifier(std::get<KeySet>(std::move(keys)), policy);
  }();
  return instance;
}

EVP_PKEY* signing_key() {
  static EVP_PKEY* key =
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, kEd25519Seed, 32);
  if (!key) die("Ed25519 test key");
  return key;
}

std::string ed25519_sign(std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char signature[64];
  std::size_t size = sizeof(signature);
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, signing_key(),
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    die("Ed25519 sign");
  }
  return std::string(reinterpret_cast<const char*>(signature), size);
}

bool known_code(const std::string& code) {
  static const std::set<std::string, std::less<>> codes = {
      std::string(jwt_error::kOversized),    std::string(jwt_error::kMalformed),
      std::string(jwt_error::kBadBase64),    std::string(jwt_error::kBadHeader),
      std::string(jwt_error::kBadAlg),       std::string(jwt_error::kMissingKid),
      std::string(jwt_error::kUnknownKid),   std::string(jwt_error::kCritUnsupported),
      std::string(jwt_error::kBadTyp),       std::string(jwt_error::kBadSignature),
      std::string(jwt_error::kBadClaims),    std::string(jwt_error::kMissingExp),
      std::string(jwt_error::kBadTimeClaim), std::string(jwt_error::kExpired),
      std::string(jwt_error::kNotYetValid),  std::string(jwt_error::kIssuedInFuture),
      std::string(jwt_error::kWrongIssuer),  std::string(jwt_error::kWrongAudience),
      std::string(jwt_error::kBadSubject),   std::string(jwt_error::kBadTenant)};
  return codes.contains(code);
}

bool same_result(const std::variant<VerifiedSession, JwtError>& a,
                 const std::variant<VerifiedSession, JwtError>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* session = std::get_if<VerifiedSession>(&a)) {
    return *session == std::get<VerifiedSession>(b);
  }
  return std::get<JwtError>(a).code == std::get<JwtError>(b).code &&
         std::get<JwtError>(a).message == std::get<JwtError>(b).message;
}

void check_token(std::string_view token) {
  const auto result = verifier().verify(token, kNow);
  if (!same_result(result, verifier().verify(token, kNow))) die("verify is not deterministic");

  JwtCache cache(4, 300);
  if (!same_result(result, verify_cached(verifier(), cache, token, kNow)))
    die("cache miss differs");
  if (!same_result(result, verify_cached(verifier(), cache, token, kNow))) die("cache hit differs");

  if (const auto* error = std::get_if<JwtError>(&result)) {
    if (!known_code(error->code)) die("unknown error code");
    // Messages are fixed text (plus policy values), never built from the token, so there are few
    // of them. One that quoted the token would make a new message for almost every input.
    static std::set<std::string> messages;
    messages.insert(error->message);
    if (messages.size() > 64) die("error messages vary with the token");
    return;
  }
  const auto& session = std::get<VerifiedSession>(result);
  if (!is_valid_tenant_id(session.tenant_id)) die("accepted an invalid tenant id");
  if (session.expires_at + verifier().policy().leeway_seconds <= kNow) die("accepted expired");
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t end = i < 2 ? token.find('.', start) : token.size();
    const std::string_view segment = token.substr(start, end - start);
    auto decoded = decode_base64url(segment);
    if (!decoded || encode_base64url(*decoded) != segment) die("accepted non-canonical base64url");
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSignPrefix = "SIGN\n";
  if (!input.starts_with(kSignPrefix)) {
    check_token(input);
    return 0;
  }
  const std::string_view rest = input.substr(kSignPrefix.size());
  const std::size_t newline = rest.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string signing_input =
      encode_base64url(rest.substr(0, newline)) + "." + encode_base64url(rest.substr(newline + 1));
  const std::string token = signing_input + "." + encode_base64url(ed25519_sign(signing_input));
  check_token(token);
  // Only the key that signed may accept: success under any other alg or kid means a header
  // chose how it is verified.
  if (std::holds_alternative<VerifiedSession>(verifier().verify(token, kNow))) {
    const auto header = nlohmann::json::parse(rest.substr(0, newline), nullptr, false);
    if (!header.is_object() || header.value("alg", "") != "EdDSA" ||
        header.value("kid", "") != "ed-1") {
      die("a token signed by ed-1 verified under another alg or kid");
    }
  }
  return 0;
}
