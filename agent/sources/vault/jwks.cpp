#include "agent/sources/vault/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <array>
#include <utility>

#include "agent/sources/vault/base64url.h"
#include "rules/strict_json.h"

namespace panguard::vault {
namespace {

using nlohmann::json;

// A JWKS is four levels deep at most ({"keys":[{"key_ops":[...]}]}).
constexpr int kMaxJwksDepth = 8;
constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;
constexpr std::size_t kMaxRsaExponentBytes = 4;

// Members that only a private (or symmetric) key has. Their presence means someone exported the
// wrong file; the whole set is refused rather than the private part silently dropped.
constexpr std::array<const char*, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                        "dq", "qi", "oth", "k"};

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBuildDeleter {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

class KeyError {
 public:
  explicit KeyError(std::string context) : context_(std::move(context)) {}
  JwksError operator()(std::string_view problem) const {
    return JwksError{context_ + ": " + std::string(problem)};
  }
  void name_kid(std::string_view kid) { context_ += " (kid \"" + std::string(kid) + "\")"; }

 private:
  std::string context_;
};

// nlohmann ends syntax errors with "; last read: '<input>'", which could quote a private key
// pasted into the file by mistake; the position before it is enough to find the problem.
std::string without_input_echo(const std::string& parse_error) {
  return parse_error.substr(0, parse_error.find("; last read"));
}

bool is_valid_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > kMaxKidBytes) return false;
  for (char c : kid) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// A required string member, or nullptr when absent or not a string.
const std::string* string_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

// Decodes a base64url member; nullopt when absent, not a string, or not strict base64url.
std::optional<std::string> bytes_member(const json& object, const char* name) {
  const std::string* text = string_member(object, name);
  if (!text) return std::nullopt;
  return decode_base64url(*text);
}

int significant_bits(const std::string& big_endian) {
  // Callers have ruled out leading zero bytes.
  auto top = static_cast<unsigned char>(big_endian.front());
  int bits = static_cast<int>(big_endian.size() - 1) * 8;
  while (top != 0) {
    ++bits;
    top = static_cast<unsigned char>(top >> 1);
  }
  return bits;
}

std::shared_ptr<EVP_PKEY> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  // Ranges, oddness, point on the curve: what OpenSSL knows about a sound public key.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

std::unique_ptr<BIGNUM, BnDeleter> to_bignum(const std::string& big_endian) {
  return std::unique_ptr<BIGNUM, BnDeleter>(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                static_cast<int>(big_endian.size()), nullptr));
}

std::variant<std::shared_ptr<EVP_PKEY>, JwksError> rsa_key(const json& jwk, const KeyError& fail) {
  const std::string* kty = string_member(jwk, "kty");
  if (!kty || *kty != "RSA") return fail("alg RS256 needs kty \"RSA\"");
  std::optional<std::string> n = bytes_member(jwk, "n");
  std::optional<std::string> e = bytes_member(jwk, "e");
  if (!n || !e) return fail("\"n\" and \"e\" must be base64url strings");
  // RFC 7518 6.3.1: the minimum number of octets, so a leading zero byte is a second spelling.
  if (n->empty() || e->empty() || n->front() == '\0' || e->front() == '\0') {
    return fail("\"n\" and \"e\" must be non-empty without leading zero bytes");
  }
  const int modulus_bits = significant_bits(*n);
  if (modulus_bits < kMinRsaModulusBits || modulus_bits > kMaxRsaModulusBits) {
    return fail("RSA modulus must be 2048 to 8192 bits");
  }
  if (e->size() > kMaxRsaExponentBytes || (static_cast<unsigned char>(e->back()) & 1u) == 0 ||
      (e->size() == 1 && static_cast<unsigned char>(e->front()) < 3)) {
    return fail("RSA exponent must be odd, at least 3 and at most 32 bits");
  }
  auto n_bn = to_bignum(*n);
  auto e_bn = to_bignum(*e);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> bld(OSSL_PARAM_BLD_new());
  if (!n_bn || !e_bn || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
    return fail("could not build the RSA key");
  }
  auto key = pkey_from_params("RSA", bld.get());
  if (!key) return fail("not a valid RSA public key");
  return key;
}

std::variant<std::shared_ptr<EVP_PKEY>, JwksError> p256_key(const json& jwk, const KeyError& fail) {
  const std::string* kty = string_member(jwk, "kty");
  const std::string* crv = string_member(jwk, "crv");
  if (!kty || *kty != "EC" || !crv || *crv != "P-256") {
    return fail("alg ES256 needs kty \"EC\" and crv \"P-256\"");
  }
  std::optional<std::string> x = bytes_member(jwk, "x");
  std::optional<std::string> y = bytes_member(jwk, "y");
  // RFC 7518 6.2.1.2: coordinates are full length, never shortened.
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return fail("\"x\" and \"y\" must be 32-byte base64url strings");
  }
  const std::string point = std::string(1, '\x04') + *x + *y;  // SEC 1 uncompressed form
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return fail("could not build the EC key");
  }
  auto key = pkey_from_params("EC", bld.get());
  if (!key) return fail("not a point on P-256");
  return key;
}

std::variant<std::shared_ptr<EVP_PKEY>, JwksError> ed25519_key(const json& jwk,
                                                               const KeyError& fail) {
  const std::string* kty = string_member(jwk, "kty");
  const std::string* crv = string_member(jwk, "crv");
  if (!kty || *kty != "OKP" || !crv || *crv != "Ed25519") {
    return fail("alg EdDSA needs kty \"OKP\" and crv \"Ed25519\"");
  }
  std::optional<std::string> x = bytes_member(jwk, "x");
  if (!x || x->size() != kEd25519KeyBytes) return fail("\"x\" must be a 32-byte base64url string");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x->data(),
                                               x->size()) != 1) {
    return fail("could not build the Ed25519 key");
  }
  auto key = pkey_from_params("ED25519", bld.get());
  if (!key) return fail("not a valid Ed25519 public key");
  return key;
}

// `use` and `key_ops` are optional, but when present they must allow signature verification.
std::optional<JwksError> check_intended_use(const json& jwk, const KeyError& fail) {
  if (auto use = jwk.find("use"); use != jwk.end()) {
    if (!use->is_string() || use->get_ref<const std::string&>() != "sig") {
      return fail("\"use\" must be \"sig\"");
    }
  }
  if (auto ops = jwk.find("key_ops"); ops != jwk.end()) {
    bool allows_verify = false;
    if (!ops->is_array()) return fail("\"key_ops\" must be an array of strings");
    for (const auto& op : *ops) {
      if (!op.is_string()) return fail("\"key_ops\" must be an array of strings");
      allows_verify = allows_verify || op.get_ref<const std::string&>() == "verify";
    }
    if (!allows_verify) return fail("\"key_ops\" does not include \"verify\"");
  }
  return std::nullopt;
}

std::variant<VerificationKey, JwksError> load_key(const json& jwk, std::size_t index) {
  KeyError fail("key #" + std::to_string(index));
  if (!jwk.is_object()) return fail("not a JSON object");
  for (const char* member : kPrivateMembers) {
    if (jwk.contains(member)) {
      return fail(std::string("has private member \"") + member +
                  "\"; a public JWKS must not carry private keys");
    }
  }
  const std::string* kid = string_member(jwk, "kid");
  if (!kid || !is_valid_kid(*kid)) {
    return fail("\"kid\" must be a string of 1 to 128 printable ASCII characters");
  }
  fail.name_kid(*kid);
  const std::string* alg_name = string_member(jwk, "alg");
  std::optional<JwtAlgorithm> algorithm;
  if (alg_name) algorithm = parse_algorithm_name(*alg_name);
  if (!algorithm) return fail("\"alg\" must be one of RS256, ES256, EdDSA");
  if (auto error = check_intended_use(jwk, fail)) return *error;

  std::variant<std::shared_ptr<EVP_PKEY>, JwksError> key;
  switch (*algorithm) {
    case JwtAlgorithm::kRs256:
      key = rsa_key(jwk, fail);
      break;
    case JwtAlgorithm::kEs256:
      key = p256_key(jwk, fail);
      break;
    case JwtAlgorithm::kEdDsa:
      key = ed25519_key(jwk, fail);
      break;
  }
  if (auto* error = std::get_if<JwksError>(&key)) return std::move(*error);
  return VerificationKey{*kid, *algorithm, std::get<std::shared_ptr<EVP_PKEY>>(std::move(key))};
}

}  // namespace

std::string_view algorithm_name(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kRs256:
      return "RS256";
    case JwtAlgorithm::kEs256:
      return "ES256";
    case JwtAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "?";
}

std::optional<JwtAlgorithm> parse_algorithm_name(std::string_view name) {
  if (name == "RS256") return JwtAlgorithm::kRs256;
  if (name == "ES256") return JwtAlgorithm::kEs256;
  if (name == "EdDSA") return JwtAlgorithm::kEdDsa;
  return std::nullopt;
}

const VerificationKey* KeySet::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

std::variant<KeySet, JwksError> load_jwks(std::string_view json_text) {
  if (json_text.size() > kMaxJwksBytes) return JwksError{"JWKS is larger than 1 MiB"};
  std::string parse_error;
  auto document = rules::parse_strict_json(json_text, parse_error, kMaxJwksDepth);
  if (!document) return JwksError{"JWKS is not strict JSON: " + without_input_echo(parse_error)};
  if (!document->is_object()) return JwksError{"JWKS must be a JSON object"};
  auto keys = document->find("keys");
  if (keys == document->end() || !keys->is_array()) {
    return JwksError{"JWKS must have a \"keys\" array"};
  }
  if (keys->empty()) return JwksError{"JWKS has no keys"};
  if (keys->size() > kMaxJwksKeys) return JwksError{"JWKS has more than 64 keys"};

  KeySet set;
  for (std::size_t index = 0; index < keys->size(); ++index) {
    auto loaded = load_key((*keys)[index], index);
    if (auto* error = std::get_if<JwksError>(&loaded)) return std::move(*error);
    auto& key = std::get<VerificationKey>(loaded);
    if (set.keys_.contains(key.kid)) {
      return JwksError{"key #" + std::to_string(index) + ": duplicate kid \"" + key.kid + "\""};
    }
    std::string kid = key.kid;
    set.keys_.emplace(std::move(kid), std::move(key));
  }
  return set;
}

}  // namespace panguard::vault
