#include "agent/sources/vault/jwt_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/vault/jwt_test_keys.h"

namespace panguard::vault {
namespace {

using nlohmann::json;
using testing::sign_token;

constexpr int64_t kNow = 1767225600;
constexpr const char* kIssuer = "https://issuer.panguard.test";
constexpr const char* kAudience = "panguard-vault";

VerifiedSession session_for(const std::string& tenant, int64_t expires_at) {
  return VerifiedSession{tenant, "sub-" + tenant, expires_at};
}

TEST(JwtCacheTest, ReturnsTheSessionCachedForTheSameToken) {
  JwtCache cache(16, 300);
  cache.insert("token-a", session_for("acme", kNow + 100), kNow);
  EXPECT_EQ(cache.find("token-a", kNow + 1), session_for("acme", kNow + 100));
  EXPECT_EQ(cache.find("token-b", kNow + 1), std::nullopt);
  EXPECT_EQ(cache.find("token-a ", kNow + 1), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(JwtCacheTest, EntriesEndAtExp) {
  JwtCache cache(16, 300);
  cache.insert("token", session_for("acme", kNow + 100), kNow);
  EXPECT_TRUE(cache.find("token", kNow + 99).has_value());
  EXPECT_FALSE(cache.find("token", kNow + 100).has_value());
  EXPECT_EQ(cache.size(), 0u);  // an expired entry is dropped when found
}

TEST(JwtCacheTest, EntriesEndAtMaxTtlBeforeALateExp) {
  JwtCache cache(16, 60);
  cache.insert("token", session_for("acme", kNow + 3600), kNow);
  EXPECT_TRUE(cache.find("token", kNow + 59).has_value());
  EXPECT_FALSE(cache.find("token", kNow + 60).has_value());
}

TEST(JwtCacheTest, DoesNotStoreWhatHasAlreadyExpired) {
  JwtCache cache(16, 300);
  cache.insert("token", session_for("acme", kNow), kNow);
  cache.insert("older", session_for("acme", kNow - 10), kNow);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(JwtCacheTest, EvictsTheLeastRecentlyUsedWhenFull) {
  JwtCache cache(2, 300);
  cache.insert("a", session_for("acme", kNow + 100), kNow);
  cache.insert("b", session_for("globex", kNow + 100), kNow);
  ASSERT_TRUE(cache.find("a", kNow).has_value());  // "b" is now the oldest use
  cache.insert("c", session_for("initech", kNow + 100), kNow);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("a", kNow).has_value());
  EXPECT_FALSE(cache.find("b", kNow).has_value());
  EXPECT_EQ(cache.find("c", kNow)->tenant_id, "initech");
}

TEST(JwtCacheTest, ReinsertingRefreshesInsteadOfDuplicating) {
  JwtCache cache(2, 300);
  cache.insert("a", session_for("acme", kNow + 100), kNow);
  cache.insert("a", session_for("acme", kNow + 200), kNow);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("a", kNow)->expires_at, kNow + 200);
}

TEST(JwtCacheTest, ClearForgetsEverything) {
  JwtCache cache(4, 300);
  cache.insert("a", session_for("acme", kNow + 100), kNow);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("a", kNow).has_value());
}

TEST(JwtCacheTest, RefusesUselessLimits) {
  EXPECT_THROW(JwtCache(0, 300), std::invalid_argument);
  EXPECT_THROW(JwtCache(1, 0), std::invalid_argument);
}

TEST(JwtCacheTest, ConcurrentUseKeepsEachTokensOwnSession) {
  JwtCache cache(64, 300);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string tenant = "t" + std::to_string((i + t) % 100);
        cache.insert("token-" + tenant, session_for(tenant, kNow + 100), kNow);
        if (auto hit = cache.find("token-" + tenant, kNow)) {
          EXPECT_EQ(hit->tenant_id, tenant);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 64u);
}

class CachedVerificationTest : public ::testing::Test {
 protected:
  CachedVerificationTest() : verifier_(keys(), policy()), cache_(16, 300) {}

  static KeySet keys() {
    return std::get<KeySet>(load_jwks(testing::jwks_text({testing::p256_key().jwk("ec-1")})));
  }
  static JwtPolicy policy() {
    JwtPolicy policy;
    policy.issuer = kIssuer;
    policy.audience = kAudience;
    return policy;
  }
  static std::string claims(const std::string& tenant) {
    return json{{"iss", kIssuer}, {"aud", kAudience}, {"exp", kNow + 100}, {"tenant_id", tenant}}
        .dump();
  }
  static std::string token(const std::string& tenant) {
    return sign_token(testing::p256_key(), R"({"alg":"ES256","kid":"ec-1"})", claims(tenant));
  }

  JwtVerifier verifier_;
  JwtCache cache_;
};

TEST_F(CachedVerificationTest, CachesSuccessAndServesTheSameTokenFromTheCache) {
  const std::string jwt = token("acme");
  auto first = verify_cached(verifier_, cache_, jwt, kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(first));
  EXPECT_EQ(cache_.size(), 1u);
  auto second = verify_cached(verifier_, cache_, jwt, kNow + 10);
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(second));
  EXPECT_EQ(std::get<VerifiedSession>(second), std::get<VerifiedSession>(first));
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(CachedVerificationTest, AHitIsServedWithoutReverifying) {
  // Planted directly: proves the lookup happens first, which is what makes the cache worth having.
  cache_.insert("planted.token.value", session_for("acme", kNow + 100), kNow);
  auto result = verify_cached(verifier_, cache_, "planted.token.value", kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(result));
  EXPECT_EQ(std::get<VerifiedSession>(result).tenant_id, "acme");
}

TEST_F(CachedVerificationTest, ADifferentTokenWithTheSameClaimsIsVerifiedOnItsOwn) {
  const std::string jwt = token("acme");
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(verify_cached(verifier_, cache_, jwt, kNow)));
  // ECDSA signatures are randomized: same claims, different token bytes, its own cache entry.
  const std::string again = token("acme");
  ASSERT_NE(again, jwt);
  ASSERT_TRUE(
      std::holds_alternative<VerifiedSession>(verify_cached(verifier_, cache_, again, kNow)));
  EXPECT_EQ(cache_.size(), 2u);
  // Same claims and header with a forged signature: the cached result of the real token is no help.
  std::string forged = jwt.substr(0, jwt.rfind('.') + 1) + std::string(86, 'A');
  auto result = verify_cached(verifier_, cache_, forged, kNow);
  ASSERT_TRUE(std::holds_alternative<JwtError>(result));
  EXPECT_EQ(std::get<JwtError>(result).code, jwt_error::kBadSignature);
}

TEST_F(CachedVerificationTest, FailuresAreNotCached) {
  std::string jwt = token("acme");
  jwt.back() = jwt.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(std::holds_alternative<JwtError>(verify_cached(verifier_, cache_, jwt, kNow)));
  EXPECT_TRUE(std::holds_alternative<JwtError>(verify_cached(verifier_, cache_, token("acme"),
                                                             kNow + 100)));  // expired
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(CachedVerificationTest, ACachedTokenStopsWorkingAtExp) {
  const std::string jwt = token("acme");
  ASSERT_TRUE(std::holds_alternative<VerifiedSession>(verify_cached(verifier_, cache_, jwt, kNow)));
  auto late = verify_cached(verifier_, cache_, jwt, kNow + 100);
  ASSERT_TRUE(std::holds_alternative<JwtError>(late));
  EXPECT_EQ(std::get<JwtError>(late).code, jwt_error::kExpired);
}

TEST_F(CachedVerificationTest, OversizedTokensNeverReachTheCache) {
  const std::string huge(verifier_.policy().max_token_bytes + 1, 'a');
  cache_.insert(huge, session_for("acme", kNow + 100), kNow);
  auto result = verify_cached(verifier_, cache_, huge, kNow);
  ASSERT_TRUE(std::holds_alternative<JwtError>(result));
  EXPECT_EQ(std::get<JwtError>(result).code, jwt_error::kOversized);
}

}  // namespace
}  // namespace panguard::vault
