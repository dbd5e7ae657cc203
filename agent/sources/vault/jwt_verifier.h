// Session JWT verification (RFC 7519 + RFC 8725 best practice) against a pinned key set. The
// tenant of a Vault request comes from here and nowhere else, so every rule fails closed:
//  - the header's `alg` must be exactly the algorithm the `kid`'s key is bound to ("none", "HS256",
//    "RS512", "rs256" and any key confusion are rejected); `kid` is only a lookup in the set;
//  - `jku`, `x5u`, `x5c` and an embedded `jwk` are never used; `crit` is rejected;
//  - the payload is parsed only after the signature holds, with duplicate claim names rejected;
//  - `exp`, `iss`, `aud` and the tenant claim are required.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "agent/sources/vault/jwks.h"

namespace panguard::vault {

inline constexpr int64_t kMaxJwtLeewaySeconds = 60;

struct JwtPolicy {
  std::string issuer;    // `iss` must equal this
  std::string audience;  // `aud` (a string or an array of strings) must contain this
  std::string tenant_claim = "tenant_id";
  int64_t leeway_seconds = 0;  // clock skew allowed on exp, nbf and iat; 0..60
  std::size_t max_token_bytes = 8192;
};

struct VerifiedSession {
  std::string tenant_id;
  std::string subject;     // `sub`, empty when the token has none
  int64_t expires_at = 0;  // `exp`, Unix seconds

  bool operator==(const VerifiedSession&) const = default;
};

// Stable codes for metrics, alerts and tests; see docs/identity.md.
namespace jwt_error {
inline constexpr std::string_view kOversized = "oversized";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kBadBase64 = "bad_base64";
inline constexpr std::string_view kBadHeader = "bad_header";
inline constexpr std::string_view kBadAlg = "bad_alg";
inline constexpr std::string_view kMissingKid = "missing_kid";
inline constexpr std::string_view kUnknownKid = "unknown_kid";
inline constexpr std::string_view kCritUnsupported = "crit_unsupported";
inline constexpr std::string_view kBadTyp = "bad_typ";
inline constexpr std::string_view kBadSignature = "bad_signature";
inline constexpr std::string_view kBadClaims = "bad_claims";
inline constexpr std::string_view kMissingExp = "missing_exp";
inline constexpr std::string_view kBadTimeClaim = "bad_time_claim";
inline constexpr std::string_view kExpired = "expired";
inline constexpr std::string_view kNotYetValid = "not_yet_valid";
inline constexpr std::string_view kIssuedInFuture = "issued_in_future";
inline constexpr std::string_view kWrongIssuer = "wrong_issuer";
inline constexpr std::string_view kWrongAudience = "wrong_audience";
inline constexpr std::string_view kBadSubject = "bad_subject";
inline constexpr std::string_view kBadTenant = "bad_tenant";
}  // namespace jwt_error

struct JwtError {
  std::string code;     // one of jwt_error::k*
  std::string message;  // for operators; never contains the token or any part of it
};

// Immutable after construction; verify() may run on many threads at once.
class JwtVerifier {
 public:
  // Throws std::invalid_argument for a policy that cannot be enforced: empty issuer, audience or
  // tenant claim, leeway outside 0..60 s, or max_token_bytes of 0.
  JwtVerifier(KeySet keys, JwtPolicy policy);

  std::variant<VerifiedSession, JwtError> verify(std::string_view token,
                                                 int64_t now_unix_seconds) const;

  const JwtPolicy& policy() const { return policy_; }

 private:
  KeySet keys_;
  JwtPolicy policy_;
};

}  // namespace panguard::vault
