#include "alerts/webhook/retry_policy.h"

#include <gtest/gtest.h>

#include "alerts/webhook/webhook_url.h"

namespace panguard::alerts::webhook {
namespace {

using namespace std::chrono_literals;

// 1994-11-06 08:49:37 UTC
const auto kDate = std::chrono::system_clock::time_point(std::chrono::seconds(784111777));

TEST(RetryPolicy, ClassifiesStatuses) {
  for (unsigned s : {200u, 201u, 202u, 204u}) EXPECT_EQ(classify_status(s), Outcome::kDelivered);
  for (unsigned s : {408u, 425u, 429u, 500u, 502u, 503u, 504u, 599u, 100u}) {
    EXPECT_EQ(classify_status(s), Outcome::kRetry) << s;
  }
  for (unsigned s : {301u, 400u, 401u, 403u, 404u, 410u, 413u, 422u}) {
    EXPECT_EQ(classify_status(s), Outcome::kPermanent) << s;
  }
}

TEST(RetryPolicy, RetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("2", kDate), 2s);
  EXPECT_EQ(parse_retry_after(" 0 ", kDate), 0s);
  EXPECT_EQ(parse_retry_after("7200", kDate), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("99999999999999999999", kDate), kMaxRetryAfter);
  EXPECT_FALSE(parse_retry_after("", kDate));
  EXPECT_FALSE(parse_retry_after("-1", kDate));
  EXPECT_FALSE(parse_retry_after("1.5", kDate));
  EXPECT_FALSE(parse_retry_after("soon", kDate));
}

TEST(RetryPolicy, RetryAfterHttpDate) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kDate), 0s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", kDate), 30s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", kDate), 0s);  // past
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", kDate), kMaxRetryAfter);
  EXPECT_EQ(
      parse_retry_after("Tue, 29 Feb 2000 00:00:00 GMT",
                        std::chrono::system_clock::time_point(std::chrono::seconds(951782390))),
      10s);
  EXPECT_FALSE(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kDate));  // RFC 850: obsolete
  EXPECT_FALSE(parse_retry_after("Sun Nov  6 08:49:37 1994", kDate));        // asctime
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", kDate));
  EXPECT_FALSE(parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", kDate));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", kDate));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 24:49:37 GMT", kDate));
}

TEST(RetryPolicy, FullJitterBackoffIsBoundedAndGrows) {
  EXPECT_EQ(backoff_delay(1, 100ms, 10s, 0.0), 0ms);
  EXPECT_EQ(backoff_delay(1, 100ms, 10s, 0.999), 99ms);
  EXPECT_EQ(backoff_delay(4, 100ms, 10s, 0.5), 400ms);    // ceiling 800 ms
  EXPECT_EQ(backoff_delay(30, 100ms, 10s, 0.5), 5000ms);  // capped at max
  EXPECT_EQ(backoff_delay(1000, 100ms, 10s, 1.0), 10000ms);
}

TEST(WebhookUrl, ParsesAndRefuses) {
  std::string error;
  auto url = parse_webhook_url("https://soc.example.com/hooks/pg?x=1", error);
  ASSERT_TRUE(url) << error;
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "soc.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/hooks/pg?x=1");
  EXPECT_EQ(url->host_header, "soc.example.com");

  url = parse_webhook_url("http://127.0.0.1:8080", error);
  ASSERT_TRUE(url);
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/");

  url = parse_webhook_url("http://[::1]:9/x", error);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->host_header, "[::1]:9");

  for (const char* bad :
       {"ftp://x/", "http://", "http://:80/", "http://u:p@x/", "http://x:0/", "http://x:65536/",
        "http://x:8a/", "http://x/#f", "http://x /", "HTTP://x/", "http://[::1/", "http://x:/"}) {
    EXPECT_FALSE(parse_webhook_url(bad, error)) << bad;
  }
}

}  // namespace
}  // namespace panguard::alerts::webhook
