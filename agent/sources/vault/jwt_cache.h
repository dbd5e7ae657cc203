// A bounded cache of successful session JWT verifications, keyed by the SHA-256 of the exact
// token text. It caches results, not tenant context: a hit returns the claims that this very token
// was verified to carry, and nothing else maps to them. Failures are never cached, so tokens an
// attacker makes up cannot push verified ones out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "agent/sources/vault/jwt_verifier.h"

namespace panguard::vault {

class JwtCache {
 public:
  // Throws std::invalid_argument when max_entries is 0 or max_ttl_seconds is not positive.
  JwtCache(std::size_t max_entries, int64_t max_ttl_seconds);

  // The session cached for exactly this token, if it is still valid at `now`.
  std::optional<VerifiedSession> find(std::string_view token, int64_t now_unix_seconds);

  // Remembers a verified session until min(exp, now + max_ttl). When full, the least recently
  // used entry makes room.
  void insert(std::string_view token, const VerifiedSession& session, int64_t now_unix_seconds);

  // Forget everything, e.g. when the pinned key set changes.
  void clear();
  std::size_t size() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& digest) const;
  };
  struct DigestEqual {
    bool operator()(const Digest& a, const Digest& b) const;  // constant time
  };
  struct Entry {
    Digest digest;
    VerifiedSession session;
    int64_t valid_until;
  };

  static Digest digest_of(std::string_view token);

  const std::size_t max_entries_;
  const int64_t max_ttl_seconds_;
  mutable std::mutex mutex_;
  std::list<Entry> recency_;  // most recently used first
  std::unordered_map<Digest, std::list<Entry>::iterator, DigestHash, DigestEqual> index_;
};

// verify() through the cache: a hit skips the signature check, a miss verifies and caches success.
std::variant<VerifiedSession, JwtError> verify_cached(const JwtVerifier& verifier, JwtCache& cache,
                                                      std::string_view token,
                                                      int64_t now_unix_seconds);

}  // namespace panguard::vault
