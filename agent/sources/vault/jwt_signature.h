// JWS signature check (RFC 7515/7518/8037) with a pinned key under the one algorithm the key is
// bound to. Token parsing and claim rules live in jwt_verifier; this file only does the crypto.
#pragma once

#include <string_view>

#include "agent/sources/vault/jwks.h"

namespace panguard::vault {

enum class SignatureCheck {
  kValid,
  kWrongLength,  // not the fixed size of the algorithm: truncated, padded or DER-encoded ECDSA
  kInvalid,
};

// `signing_input` is the token's "<header>.<payload>" text as received; `signature` the decoded
// bytes: RS256 PKCS#1 v1.5 (modulus-sized), ES256 raw r||s (64 bytes), EdDSA Ed25519 (64 bytes).
SignatureCheck check_jws_signature(const VerificationKey& key, std::string_view signing_input,
                                   std::string_view signature);

}  // namespace panguard::vault
