#include "agent/sources/vault/jwt_verifier.h"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>

#include "agent/sources/vault/base64url.h"
#include "agent/sources/vault/jwt_signature.h"
#include "agent/sources/vault/tenant_id.h"
#include "rules/strict_json.h"

namespace panguard::vault {
namespace {

using nlohmann::json;

// Headers are flat; claims may hold a few nested objects (roles, groups), never deep trees.
constexpr int kMaxHeaderDepth = 8;
constexpr int kMaxClaimsDepth = 16;
// NumericDate bounds: the epoch to the end of year 9999. Outside them a value is an error, and
// inside them exp + leeway cannot overflow.
constexpr int64_t kMaxNumericDate = 253402300799;

JwtError fail(std::string_view code, std::string message) {
  return JwtError{std::string(code), std::move(message)};
}

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "<header>.<payload>" exactly as received
};

std::optional<Segments> split_compact(std::string_view token) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return Segments{token.substr(0, first), token.substr(first + 1, second - first - 1),
                  token.substr(second + 1), token.substr(0, second)};
}

// Parses decoded segment text as a strict JSON object. Parser messages are dropped: they quote
// the input, and the input is the token.
std::optional<json> parse_json_object(const std::string& text, int max_depth) {
  std::string ignored;
  std::optional<json> value = rules::parse_strict_json(text, ignored, max_depth);
  if (!value || !value->is_object()) return std::nullopt;
  return value;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The pinned key the header names, provided the header asks for exactly that key's algorithm.
std::variant<const VerificationKey*, JwtError> select_key(const json& header, const KeySet& keys) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return fail(jwt_error::kBadAlg, "header has no \"alg\" string");
  }
  const std::optional<JwtAlgorithm> algorithm =
      parse_algorithm_name(alg->get_ref<const std::string&>());
  if (!algorithm) return fail(jwt_error::kBadAlg, "\"alg\" is not RS256, ES256 or EdDSA");
  // Extensions we do not implement may change how the token must be read (RFC 7515 4.1.11).
  if (header.contains("crit")) {
    return fail(jwt_error::kCritUnsupported, "header has \"crit\"; no extensions are supported");
  }
  if (auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() ||
        !equals_ignoring_ascii_case(typ->get_ref<const std::string&>(), "JWT")) {
      return fail(jwt_error::kBadTyp, "\"typ\" is present and not \"JWT\"");
    }
  }
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) {
    return fail(jwt_error::kMissingKid, "header has no \"kid\" string");
  }
  // jku, x5u, x5c and jwk are deliberately never read: the key comes from the pinned set only.
  const VerificationKey* key = keys.find(kid->get_ref<const std::string&>());
  if (!key) return fail(jwt_error::kUnknownKid, "\"kid\" is not in the pinned key set");
  if (key->algorithm != *algorithm) {
    return fail(jwt_error::kBadAlg, "\"alg\" differs from the algorithm the key is bound to");
  }
  return key;
}

enum class Rounding { kDown, kUp };

// A NumericDate (RFC 7519 2): integer or fractional seconds. Fractions round towards the
// stricter answer: exp down, nbf and iat up.
std::optional<int64_t> numeric_date(const json& value, Rounding rounding) {
  if (value.is_number_unsigned()) {
    const uint64_t seconds = value.get<uint64_t>();
    if (seconds > static_cast<uint64_t>(kMaxNumericDate)) return std::nullopt;
    return static_cast<int64_t>(seconds);
  }
  if (value.is_number_integer()) {
    const int64_t seconds = value.get<int64_t>();
    if (seconds < 0 || seconds > kMaxNumericDate) return std::nullopt;
    return seconds;
  }
  if (value.is_number_float()) {
    double seconds = value.get<double>();
    if (!std::isfinite(seconds) || seconds < 0 || seconds > static_cast<double>(kMaxNumericDate)) {
      return std::nullopt;
    }
    seconds = rounding == Rounding::kDown ? std::floor(seconds) : std::ceil(seconds);
    return static_cast<int64_t>(seconds);
  }
  return std::nullopt;
}

// The time claims: exp required; nbf and iat optional but never in the future beyond leeway.
std::variant<int64_t, JwtError> check_times(const json& claims, int64_t now, int64_t leeway) {
  auto exp_member = claims.find("exp");
  if (exp_member == claims.end()) return fail(jwt_error::kMissingExp, "token has no \"exp\"");
  const std::optional<int64_t> exp = numeric_date(*exp_member, Rounding::kDown);
  if (!exp) return fail(jwt_error::kBadTimeClaim, "\"exp\" is not a NumericDate");
  if (now >= *exp + leeway) return fail(jwt_error::kExpired, "token has expired");

  if (auto nbf_member = claims.find("nbf"); nbf_member != claims.end()) {
    const std::optional<int64_t> nbf = numeric_date(*nbf_member, Rounding::kUp);
    if (!nbf) return fail(jwt_error::kBadTimeClaim, "\"nbf\" is not a NumericDate");
    if (*nbf - leeway > now) return fail(jwt_error::kNotYetValid, "token is not valid yet");
  }
  if (auto iat_member = claims.find("iat"); iat_member != claims.end()) {
    const std::optional<int64_t> iat = numeric_date(*iat_member, Rounding::kUp);
    if (!iat) return fail(jwt_error::kBadTimeClaim, "\"iat\" is not a NumericDate");
    if (*iat - leeway > now)
      return fail(jwt_error::kIssuedInFuture, "token was issued in the future");
  }
  return *exp;
}

bool audience_matches(const json& aud, const std::string& audience) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == audience;
  if (!aud.is_array()) return false;
  bool found = false;
  for (const auto& entry : aud) {
    if (!entry.is_string()) return false;  // a malformed list is not searched for a match
    found = found || entry.get_ref<const std::string&>() == audience;
  }
  return found;
}

std::variant<VerifiedSession, JwtError> check_claims(const json& claims, const JwtPolicy& policy,
                                                     int64_t now) {
  auto expires_at = check_times(claims, now, policy.leeway_seconds);
  if (auto* error = std::get_if<JwtError>(&expires_at)) return std::move(*error);

  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() ||
      iss->get_ref<const std::string&>() != policy.issuer) {
    return fail(jwt_error::kWrongIssuer, "\"iss\" is not the configured issuer");
  }
  auto aud = claims.find("aud");
  if (aud == claims.end() || !audience_matches(*aud, policy.audience)) {
    return fail(jwt_error::kWrongAudience, "\"aud\" does not contain the configured audience");
  }
  VerifiedSession session;
  session.expires_at = std::get<int64_t>(expires_at);
  if (auto sub = claims.find("sub"); sub != claims.end()) {
    if (!sub->is_string()) return fail(jwt_error::kBadSubject, "\"sub\" is not a string");
    session.subject = sub->get<std::string>();
  }
  auto tenant = claims.find(policy.tenant_claim);
  if (tenant == claims.end() || !tenant->is_string() ||
      !is_valid_tenant_id(tenant->get_ref<const std::string&>())) {
    return fail(jwt_error::kBadTenant,
                "tenant claim \"" + policy.tenant_claim + "\" is missing or not a valid tenant id");
  }
  session.tenant_id = tenant->get<std::string>();
  return session;
}

}  // namespace

JwtVerifier::JwtVerifier(KeySet keys, JwtPolicy policy)
    : keys_(std::move(keys)), policy_(std::move(policy)) {
  if (policy_.issuer.empty()) throw std::invalid_argument("JWT issuer must not be empty");
  if (policy_.audience.empty()) throw std::invalid_argument("JWT audience must not be empty");
  if (policy_.tenant_claim.empty()) {
    throw std::invalid_argument("JWT tenant claim name must not be empty");
  }
  if (policy_.leeway_seconds < 0 || policy_.leeway_seconds > kMaxJwtLeewaySeconds) {
    throw std::invalid_argument("JWT leeway must be between 0 and 60 seconds");
  }
  if (policy_.max_token_bytes == 0) {
    throw std::invalid_argument("JWT max_token_bytes must be positive");
  }
}

std::variant<VerifiedSession, JwtError> JwtVerifier::verify(std::string_view token,
                                                            int64_t now_unix_seconds) const {
  if (token.size() > policy_.max_token_bytes) {
    return fail(jwt_error::kOversized,
                "token is longer than " + std::to_string(policy_.max_token_bytes) + " bytes");
  }
  const std::optional<Segments> segments = split_compact(token);
  if (!segments) return fail(jwt_error::kMalformed, "token is not three dot-separated segments");

  // Every segment must be canonical base64url before any of them means anything.
  const std::optional<std::string> header_text = decode_base64url(segments->header);
  const std::optional<std::string> payload_text = decode_base64url(segments->payload);
  const std::optional<std::string> signature = decode_base64url(segments->signature);
  if (!header_text || !payload_text || !signature) {
    return fail(jwt_error::kBadBase64, "a segment is not strict unpadded base64url");
  }

  const std::optional<json> header = parse_json_object(*header_text, kMaxHeaderDepth);
  if (!header) return fail(jwt_error::kBadHeader, "header is not a strict JSON object");
  auto key = select_key(*header, keys_);
  if (auto* error = std::get_if<JwtError>(&key)) return std::move(*error);

  switch (check_jws_signature(*std::get<const VerificationKey*>(key), segments->signing_input,
                              *signature)) {
    case SignatureCheck::kValid:
      break;
    case SignatureCheck::kWrongLength:
      return fail(jwt_error::kBadSignature, "signature has the wrong length for its algorithm");
    case SignatureCheck::kInvalid:
      return fail(jwt_error::kBadSignature, "signature does not verify with the pinned key");
  }

  // Only now, with the signer known, is the payload worth parsing.
  const std::optional<json> claims = parse_json_object(*payload_text, kMaxClaimsDepth);
  if (!claims) {
    return fail(jwt_error::kBadClaims,
                "payload is not a strict JSON object (duplicate claim names are rejected)");
  }
  return check_claims(*claims, policy_, now_unix_seconds);
}

}  // namespace panguard::vault
