#include "agent/sources/vault/jwt_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>

namespace panguard::vault {

std::size_t JwtCache::DigestHash::operator()(const Digest& digest) const {
  // SHA-256 output is uniform, and only verified tokens get in, so its first bytes are a fair hash.
  std::size_t hash = 0;
  std::memcpy(&hash, digest.data(), sizeof(hash));
  return hash;
}

bool JwtCache::DigestEqual::operator()(const Digest& a, const Digest& b) const {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

JwtCache::Digest JwtCache::digest_of(std::string_view token) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider store on
  // every digest, about a third of a cache hit's cost in the proxy's profile. (libsodium's
  // portable SHA-256 measured 3x slower: it does not use the CPU's SHA extensions.) Never freed:
  // it lives as long as the process.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  // One context per thread, re-initialized for every digest: EVP_Digest() allocates and frees
  // a context per call. Freed when the thread ends.
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Digest digest{};
  unsigned int size = 0;
  if (sha256 == nullptr || context == nullptr ||
      EVP_DigestInit_ex2(context.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), token.data(), token.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1 || size != digest.size()) {
    // Without a digest there is no safe key; SHA-256 failing means the process is broken.
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

JwtCache::JwtCache(std::size_t max_entries, int64_t max_ttl_seconds)
    : max_entries_(max_entries), max_ttl_seconds_(max_ttl_seconds) {
  if (max_entries_ == 0) throw std::invalid_argument("JWT cache needs room for one entry");
  if (max_ttl_seconds_ <= 0) throw std::invalid_argument("JWT cache TTL must be positive");
}

std::optional<VerifiedSession> JwtCache::find(std::string_view token, int64_t now_unix_seconds) {
  const Digest digest = digest_of(token);
  std::lock_guard lock(mutex_);
  auto it = index_.find(digest);
  if (it == index_.end()) return std::nullopt;
  if (now_unix_seconds >= it->second->valid_until) {
    recency_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, it->second);
  return it->second->session;
}

void JwtCache::insert(std::string_view token, const VerifiedSession& session,
                      int64_t now_unix_seconds) {
  // Saturate rather than overflow for a clock near the end of int64.
  constexpr int64_t kLatest = std::numeric_limits<int64_t>::max();
  const int64_t ttl_end =
      now_unix_seconds > kLatest - max_ttl_seconds_ ? kLatest : now_unix_seconds + max_ttl_seconds_;
  const int64_t valid_until = std::min(session.expires_at, ttl_end);
  if (valid_until <= now_unix_seconds) return;
  const Digest digest = digest_of(token);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(digest); it != index_.end()) {
    it->second->session = session;
    it->second->valid_until = valid_until;
    recency_.splice(recency_.begin(), recency_, it->second);
    return;
  }
  if (index_.size() >= max_entries_) {
    index_.erase(recency_.back().digest);
    recency_.pop_back();
  }
  recency_.push_front(Entry{digest, session, valid_until});
  index_.emplace(digest, recency_.begin());
}

void JwtCache::clear() {
  std::lock_guard lock(mutex_);
  index_.clear();
  recency_.clear();
}

std::size_t JwtCache::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

std::variant<VerifiedSession, JwtError> verify_cached(const JwtVerifier& verifier, JwtCache& cache,
                                                      std::string_view token,
                                                      int64_t now_unix_seconds) {
  // Oversized input is refused before it is hashed.
  if (token.size() <= verifier.policy().max_token_bytes) {
    if (auto hit = cache.find(token, now_unix_seconds)) return *std::move(hit);
  }
  auto result = verifier.verify(token, now_unix_seconds);
  if (const auto* session = std::get_if<VerifiedSession>(&result)) {
    cache.insert(token, *session, now_unix_seconds);
  }
  return result;
}

}  // namespace panguard::vault
