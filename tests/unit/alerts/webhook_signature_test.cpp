#include "alerts/webhook/webhook_signature.h"

#include <gtest/gtest.h>

namespace panguard::alerts::webhook {
namespace {

// The published Standard Webhooks test vector (also checked with `openssl dgst -mac HMAC`).
TEST(WebhookSignature, StandardWebhooksKnownAnswer) {
  const auto key = decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})"),
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// A raw (non-whsec_) secret is the key as-is. Expected value from
// `printf 'id.1.body' | openssl dgst -sha256 -mac HMAC -macopt key:Jefe -binary | base64`.
TEST(WebhookSignature, RawSecretIsUsedAsBytes) {
  const auto key = decode_webhook_secret("Jefe\n");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, "Jefe");
  EXPECT_EQ(webhook_signature(*key, "id", 1, "body"),
            "xHJRBnAqpZnawf1e2kcCMtpgnm5Q5XtH5s9rQvRI2J4=");
  EXPECT_NE(webhook_signature(*key, "id", 1, "body"), webhook_signature(*key, "id", 1, "body "));
}

TEST(WebhookSignature, HeaderCarriesOneSignaturePerSecretInOrder) {
  const std::vector<std::string> keys = {"new-secret", "old-secret"};
  const std::string header = webhook_signature_header(keys, "abc", 1700000000, "{}");
  EXPECT_EQ(header, "v1," + webhook_signature("new-secret", "abc", 1700000000, "{}") + " v1," +
                        webhook_signature("old-secret", "abc", 1700000000, "{}"));
}

TEST(WebhookSignature, SecretDecodingIsStrict) {
  EXPECT_FALSE(decode_webhook_secret("").has_value());
  EXPECT_FALSE(decode_webhook_secret(" \n").has_value());
  EXPECT_FALSE(decode_webhook_secret("whsec_").has_value());
  EXPECT_FALSE(decode_webhook_secret("whsec_abc").has_value());   // not a multiple of 4
  EXPECT_FALSE(decode_webhook_secret("whsec_ab!=").has_value());  // bad alphabet
  EXPECT_FALSE(decode_webhook_secret("whsec_YQ=a").has_value());  // data after padding
  EXPECT_FALSE(decode_webhook_secret("whsec_YR==").has_value());  // non-canonical bits
  EXPECT_EQ(decode_webhook_secret("whsec_YQ==").value(), "a");
  EXPECT_EQ(decode_webhook_secret("whsec_YWJj\r\n").value(), "abc");
}

TEST(WebhookSignature, Base64RoundTrip) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(base64_decode(base64_encode(s)).value(), s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
}

TEST(WebhookSignature, MessageIdIsAlertIdOrStableBatchDigest) {
  EXPECT_EQ(message_id({"1b4e28ba-2fa1-4d2b-883f-0016d3cca427"}),
            "1b4e28ba-2fa1-4d2b-883f-0016d3cca427");
  const std::string batch = message_id({"a", "b"});
  EXPECT_EQ(batch.rfind("batch_", 0), 0u);
  EXPECT_EQ(batch.size(), 6u + 32u);
  EXPECT_EQ(batch, message_id({"a", "b"}));
  EXPECT_NE(batch, message_id({"b", "a"}));
  EXPECT_NE(batch, message_id({"a", "b", "c"}));
  // First 16 bytes of SHA-256("a\nb") (sha256sum): pins the derivation across releases, since
  // a spool written by one version is resent by the next.
  EXPECT_EQ(batch, "batch_7e18f737311b2dc3b2f269dd78396b03");
}

}  // namespace
}  // namespace panguard::alerts::webhook
