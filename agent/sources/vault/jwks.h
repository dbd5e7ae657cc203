// The pinned JSON Web Key Set (RFC 7517) that session JWTs are verified against. Loading is
// strict: a key that is malformed, weak, of an unknown algorithm, or carries private material
// rejects the whole set, because a half-loaded set hides an operator error until tokens fail.
// Each key is bound to exactly one algorithm; a token can never choose another one for it.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <openssl/evp.h>

namespace panguard::vault {

enum class JwtAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256, RSA modulus >= 2048 bits
  kEs256,  // ECDSA on P-256 with SHA-256
  kEdDsa,  // Ed25519
};

// The JOSE name ("RS256", "ES256", "EdDSA").
std::string_view algorithm_name(JwtAlgorithm algorithm);

// Limits on what an operator may pin; beyond them the set is rejected.
inline constexpr std::size_t kMaxJwksBytes = 1 << 20;
inline constexpr std::size_t kMaxJwksKeys = 64;
inline constexpr std::size_t kMaxKidBytes = 128;
inline constexpr int kMinRsaModulusBits = 2048;
inline constexpr int kMaxRsaModulusBits = 8192;

// The exact, case-sensitive JOSE name, or nullopt: "none", "rs256", "HS256" are not algorithms
// a key can be bound to.
std::optional<JwtAlgorithm> parse_algorithm_name(std::string_view name);

struct VerificationKey {
  std::string kid;
  JwtAlgorithm algorithm;
  // Never modified after loading, so concurrent verifications may share it.
  std::shared_ptr<EVP_PKEY> public_key;
};

struct JwksError {
  // Names the offending key by position and kid; never includes key material.
  std::string message;
};

// Immutable once loaded; copies share the keys. The default set is empty and verifies nothing.
class KeySet {
 public:
  KeySet() = default;

  // The key with exactly this kid, or nullptr. The kid is only ever a map key: never a path,
  // URL or pattern.
  const VerificationKey* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }

 private:
  friend std::variant<KeySet, JwksError> load_jwks(std::string_view json_text);
  std::map<std::string, VerificationKey, std::less<>> keys_;
};

// `{"keys":[...]}` parsed with duplicate JSON keys rejected. Each key needs a unique `kid`
// (printable ASCII, 1..128 bytes) and `alg` RS256 | ES256 | EdDSA with the matching `kty`
// (and `crv`); `use`, if present, must be "sig"; `key_ops`, if present, must allow "verify".
std::variant<KeySet, JwksError> load_jwks(std::string_view json_text);

}  // namespace panguard::vault
