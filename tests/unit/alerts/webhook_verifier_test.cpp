#include "alerts/webhook/webhook_verifier.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "alerts/webhook/webhook_signature.h"

namespace panguard::alerts::webhook {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
constexpr int64_t kNowS = 1'700'000'000;
constexpr std::string_view kBody = R"({"type":"panguard.alerts","alerts":[{"id":"x"}]})";

std::string sign(const std::string& secret, std::string_view id, int64_t ts,
                 std::string_view body) {
  return "v1," + webhook_signature(decode_webhook_secret(secret).value(), id, ts, body);
}

TEST(WebhookVerifier, AcceptsAValidRequestOnce) {
  WebhookVerifier verifier({{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}});
  const std::string sig = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m1", kNowS, kBody);
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, kBody, kNow), VerifyResult::kOk);
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, kBody, kNow),
            VerifyResult::kReplayed);
}

TEST(WebhookVerifier, ForgetLetsARetryOfAFailedRequestPass) {
  WebhookVerifier verifier({{"s3cret"}});
  const std::string sig = sign("s3cret", "m1", kNowS, kBody);
  ASSERT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, kBody, kNow), VerifyResult::kOk);
  verifier.forget("m1");
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, kBody, kNow), VerifyResult::kOk);
}

TEST(WebhookVerifier, RejectsATamperedBody) {
  WebhookVerifier verifier({{"s3cret"}});
  const std::string sig = sign("s3cret", "m1", kNowS, kBody);
  std::string tampered(kBody);
  tampered[tampered.size() - 5] = 'y';
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, tampered, kNow),
            VerifyResult::kBadSignature);
  // Nor a swapped id or timestamp: both are signed.
  EXPECT_EQ(verifier.verify("m2", std::to_string(kNowS), sig, kBody, kNow),
            VerifyResult::kBadSignature);
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS + 1), sig, kBody, kNow),
            VerifyResult::kBadSignature);
  // The failed attempts did not burn the id.
  EXPECT_EQ(verifier.verify("m1", std::to_string(kNowS), sig, kBody, kNow), VerifyResult::kOk);
}

TEST(WebhookVerifier, RejectsTimestampsOutsideTheTolerance) {
  WebhookVerifier verifier({{"s3cret"}, 300s});
  for (int64_t ts : {kNowS - 301, kNowS + 301}) {
    EXPECT_EQ(verifier.verify("m", std::to_string(ts), sign("s3cret", "m", ts, kBody), kBody, kNow),
              VerifyResult::kTimestampOutOfRange);
  }
  EXPECT_EQ(verifier.verify("m", std::to_string(kNowS - 300),
                            sign("s3cret", "m", kNowS - 300, kBody), kBody, kNow),
            VerifyResult::kOk);
  EXPECT_EQ(verifier.verify("n", "12a", "v1,x", kBody, kNow), VerifyResult::kBadTimestamp);
  EXPECT_EQ(verifier.verify("n", "-5", "v1,x", kBody, kNow), VerifyResult::kBadTimestamp);
  EXPECT_EQ(verifier.verify("", "1", "v1,x", kBody, kNow), VerifyResult::kMissingHeader);
}

TEST(WebhookVerifier, RotationAnyOfSeveralSignaturesAndSecrets) {
  // Sender signs with new+old; a receiver that only knows the old one still accepts.
  const std::string header = sign("new", "m", kNowS, kBody) + " " + sign("old", "m", kNowS, kBody);
  WebhookVerifier old_only({{"old"}});
  EXPECT_EQ(old_only.verify("m", std::to_string(kNowS), header, kBody, kNow), VerifyResult::kOk);
  // A receiver that already moved to new+old accepts a sender still on the old one only.
  WebhookVerifier both({{"new", "old"}});
  EXPECT_EQ(both.verify("m", std::to_string(kNowS), sign("old", "m", kNowS, kBody), kBody, kNow),
            VerifyResult::kOk);
  // A retired secret is refused.
  WebhookVerifier new_only({{"new"}});
  EXPECT_EQ(
      new_only.verify("m", std::to_string(kNowS), sign("old", "m", kNowS, kBody), kBody, kNow),
      VerifyResult::kBadSignature);
  // Unknown schemes and junk entries are ignored, not errors.
  EXPECT_EQ(new_only.verify("m2", std::to_string(kNowS),
                            "v1a,zzz junk " + sign("new", "m2", kNowS, kBody), kBody, kNow),
            VerifyResult::kOk);
}

TEST(WebhookVerifier, SeenIdCacheIsBounded) {
  WebhookVerifier verifier({{"s"}, 300s, 2});
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(verifier.verify(id, std::to_string(kNowS), sign("s", id, kNowS, kBody), kBody, kNow),
              VerifyResult::kOk);
  }
  // "a" was evicted (oldest), "c" is remembered.
  EXPECT_EQ(verifier.verify("a", std::to_string(kNowS), sign("s", "a", kNowS, kBody), kBody, kNow),
            VerifyResult::kOk);
  EXPECT_EQ(verifier.verify("c", std::to_string(kNowS), sign("s", "c", kNowS, kBody), kBody, kNow),
            VerifyResult::kReplayed);
}

TEST(WebhookVerifier, BadSecretsAreRefusedAtConstruction) {
  EXPECT_THROW(WebhookVerifier(VerifierOptions{}), std::invalid_argument);
  EXPECT_THROW(WebhookVerifier(VerifierOptions{{"whsec_!!"}}), std::invalid_argument);
}

}  // namespace
}  // namespace panguard::alerts::webhook
