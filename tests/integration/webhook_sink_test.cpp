// WebhookSink against a real HTTP(S) receiver in this process (webhook_receiver.h), which checks
// every request's signature with the receiver-side verifier. No network mocks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerts/alert.h"
#include "alerts/webhook/webhook_sink.h"
#include "delivery/delivery_test_support.h"
#include "process.h"
#include "test_pki.h"
#include "webhook_receiver.h"

namespace panguard::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using alerts::WebhookOptions;
using alerts::WebhookSink;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

WebhookOptions options_for(const std::string& url, const std::string& spool_dir) {
  WebhookOptions options;
  options.url = url;
  options.secrets = {kSecret};
  options.spool_dir = spool_dir;
  options.spool_max_bytes = 4 << 20;
  options.request_timeout = 2s;
  options.max_in_flight = 2;
  options.max_batch = 1;
  options.backoff_min = 50ms;
  options.backoff_max = 500ms;
  return options;
}

alerts::Alert make_alert(const std::string& id) {
  alerts::Alert alert;
  alert.id = id;
  alert.rule = "Cross-tenant secret read";
  alert.tenant_id = "acme";
  alert.output = "tenant acme read tenants/globex/db";
  alert.time_ns = 1'700'000'000'000'000'000;
  return alert;
}

TEST(WebhookSink, ServerErrorThenSuccessDeliversOnceWithTheSameId) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t attempt) {
    return ReceiverReply{attempt == 0 ? 500u : 200u};
  });
  WebhookSink sink(options_for(receiver.url(), dir.path()));
  sink.start();
  const std::string id = "1b4e28ba-2fa1-4d2b-883f-0016d3cca427";
  ASSERT_TRUE(sink.write(make_alert(id)));
  ASSERT_TRUE(receiver.wait_for_alerts(1, 5s));
  ASSERT_TRUE(eventually([&] { return sink.stats().delivered == 1; }, 2s));
  sink.stop(1s);

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(r.verdict, alerts::webhook::VerifyResult::kOk);
    EXPECT_EQ(r.target, "/hooks/panguard");
  }
  EXPECT_EQ(requests[0].answered, 500u);
  EXPECT_EQ(requests[1].answered, 200u);
  EXPECT_EQ(requests[0].body, requests[1].body);  // identical content on retry
  EXPECT_EQ(receiver.delivered_alert_ids(), std::multiset<std::string>{id});
  const auto body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["type"], "panguard.alerts");
  EXPECT_EQ(body["alerts"][0]["tenant_id"], "acme");
  const auto stats = sink.stats();
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.pending, 0u);
}

TEST(WebhookSink, HonorsRetryAfterOn429) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t attempt) {
    return attempt == 0 ? ReceiverReply{429, "2"} : ReceiverReply{200};
  });
  auto options = options_for(receiver.url(), dir.path());
  options.backoff_min = 10ms;  // without Retry-After the retry would come almost at once
  options.backoff_max = 5s;
  WebhookSink sink(options);
  sink.start();
  ASSERT_TRUE(sink.write(make_alert("retry-after-1")));
  ASSERT_TRUE(receiver.wait_for_alerts(1, 8s));
  sink.stop(1s);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto gap = requests[1].at - requests[0].at;
  EXPECT_GE(gap, 1900ms);
  EXPECT_LT(gap, 4s);
  EXPECT_EQ(requests[0].id, requests[1].id);
}

TEST(WebhookSink, HungReceiverIsTimedOutAndRetried) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t attempt) {
    return attempt == 0 ? ReceiverReply{200, "", 3s} : ReceiverReply{200};
  });
  auto options = options_for(receiver.url(), dir.path());
  options.request_timeout = 300ms;
  WebhookSink sink(options);
  sink.start();
  ASSERT_TRUE(sink.write(make_alert("hang-1")));
  ASSERT_TRUE(eventually([&] { return sink.stats().delivered == 1; }, 5s));
  const auto stats = sink.stats();
  sink.stop(1s);
  EXPECT_GE(stats.retries, 1u);
  const auto requests = receiver.requests();
  ASSERT_GE(requests.size(), 1u);
  // The retry reached the receiver long before the hung answer would have come (3 s).
  bool retried_early = false;
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].id, "hang-1");
  }
  // The hung request is logged only after its 3 s sleep; the retry is logged when answered.
  for (const auto& r : requests) {
    if (r.answered == 200 && r.id == "hang-1") retried_early = true;
  }
  EXPECT_TRUE(retried_early);
}

TEST(WebhookSink, PermanentRefusalGoesToTheDeadLetterFile) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t) { return ReceiverReply{400}; });
  PlatformEvents events;
  auto options = options_for(receiver.url(), dir.path() + "/spool");
  options.dead_letter_path = dir.path() + "/dead.jsonl";
  options.on_platform_event = events.callback();
  WebhookSink sink(options);
  sink.start();
  ASSERT_TRUE(sink.write(make_alert("dead-1")));
  ASSERT_TRUE(eventually([&] { return sink.stats().dead_lettered == 1; }, 5s));
  ASSERT_TRUE(eventually([&] { return events.count("webhook_dead_letter") == 1; }, 2s));
  sink.stop(1s);
  EXPECT_EQ(receiver.requests().size(), 1u);  // a 400 is not retried
  EXPECT_EQ(sink.stats().pending, 0u);
  std::ifstream in(options.dead_letter_path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["webhook_id"], "dead-1");
  EXPECT_EQ(record["status"], 400);
  EXPECT_EQ(record["payload"]["alerts"][0]["id"], "dead-1");
  EXPECT_FALSE(std::getline(in, line));
  // The reason names the message, never a secret.
  std::lock_guard lock(events.mutex);
  EXPECT_EQ(events.list[0].second.find("MfKQ9r8"), std::string::npos);
}

TEST(WebhookSink, BatchesManyAlertsIntoFewSignedRequests) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  auto options = options_for(receiver.url(), dir.path());
  options.max_batch = 100;
  WebhookSink sink(options);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(sink.write(make_alert("b-" + std::to_string(i))));
  sink.start();
  ASSERT_TRUE(receiver.wait_for_alerts(1000, 10s));
  sink.stop(1s);
  const auto ids = receiver.delivered_alert_ids();
  EXPECT_EQ(ids.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(ids.count("b-" + std::to_string(i)), 1u);
  const auto requests = receiver.requests();
  EXPECT_LE(requests.size(), 20u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.verdict, alerts::webhook::VerifyResult::kOk);
    EXPECT_EQ(r.id.rfind("batch_", 0), 0u);
  }
  EXPECT_EQ(receiver.rejected(), 0u);
}

TEST(WebhookSink, FullSpoolDropsCountsAndRaisesOnePlatformEvent) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t) { return ReceiverReply{503}; });
  PlatformEvents events;
  auto options = options_for(receiver.url(), dir.path());
  options.spool_max_bytes = 16 * 1024;
  options.on_platform_event = events.callback();
  WebhookSink sink(options);
  sink.start();
  int accepted = 0;
  for (int i = 0; i < 500; ++i) accepted += sink.write(make_alert("f-" + std::to_string(i)));
  const auto stats = sink.stats();
  EXPECT_GT(accepted, 5);
  EXPECT_LT(accepted, 500);
  EXPECT_EQ(stats.dropped_spool_full, static_cast<uint64_t>(500 - accepted));
  EXPECT_LE(stats.spool_bytes, 16u * 1024u);
  ASSERT_TRUE(eventually([&] { return events.count("webhook_spool_full") == 1; }, 2s));
  sink.stop(0ms);
  EXPECT_EQ(events.count("webhook_spool_full"), 1u);
}

TEST(WebhookSink, StopKeepsUndeliveredAlertsForTheNextStart) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  std::atomic<bool> down{true};
  receiver.set_handler(
      [&](const ReceivedRequest&, std::size_t) { return ReceiverReply{down ? 503u : 200u}; });
  auto options = options_for(receiver.url(), dir.path());
  options.max_batch = 10;
  {
    WebhookSink sink(options);
    sink.start();
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(sink.write(make_alert("s-" + std::to_string(i))));
    ASSERT_TRUE(receiver.wait_for_requests(1, 5s));
    sink.stop(0ms);
    EXPECT_EQ(sink.stats().pending, 25u);
  }
  down = false;
  WebhookSink sink(options);
  EXPECT_EQ(sink.stats().replayed, 25u);
  sink.start();
  ASSERT_TRUE(receiver.wait_for_alerts(25, 5s));
  ASSERT_TRUE(eventually([&] { return sink.stats().pending == 0; }, 2s));
  sink.stop(1s);
  // Batches formed before the restart went out again with the same ids and bodies.
  std::map<std::string, std::set<std::string>> bodies;
  for (const auto& r : receiver.requests()) bodies[r.id].insert(r.body);
  for (const auto& [id, set] : bodies) EXPECT_EQ(set.size(), 1u) << id;
}

TEST(WebhookSink, HttpsWithTheRightCaWorksAndAWrongCaIsRefused) {
  TempDir dir;
  TestPki pki(dir.path(), "hook");
  TestPki other(dir.path(), "other");
  const CertFiles server = pki.issue("receiver", "DNS:localhost,IP:127.0.0.1");
  WebhookReceiver receiver({kSecret}, ReceiverTls{server.cert, server.key});
  {
    auto options = options_for("https://localhost:" + std::to_string(receiver.port()) + "/h",
                               dir.path() + "/good");
    options.ca_file = pki.ca_file();
    WebhookSink sink(options);
    sink.start();
    ASSERT_TRUE(sink.write(make_alert("tls-1")));
    ASSERT_TRUE(receiver.wait_for_alerts(1, 5s));
    sink.stop(1s);
  }
  {
    auto options = options_for("https://localhost:" + std::to_string(receiver.port()) + "/h",
                               dir.path() + "/bad");
    options.ca_file = other.ca_file();
    WebhookSink sink(options);
    sink.start();
    ASSERT_TRUE(sink.write(make_alert("tls-2")));
    ASSERT_TRUE(eventually([&] { return receiver.tls_handshake_failures() >= 1; }, 5s));
    ASSERT_TRUE(eventually([&] { return sink.stats().retries >= 1; }, 5s));
    sink.stop(0ms);
    EXPECT_EQ(sink.stats().delivered, 0u);
    EXPECT_EQ(sink.stats().pending, 1u);
  }
  {
    // Right CA, wrong name: this receiver's certificate is for other.example only.
    const CertFiles misnamed = pki.issue("misnamed", "DNS:other.example");
    WebhookReceiver wrong_name({kSecret}, ReceiverTls{misnamed.cert, misnamed.key});
    auto options = options_for("https://127.0.0.1:" + std::to_string(wrong_name.port()) + "/h",
                               dir.path() + "/name");
    options.ca_file = pki.ca_file();
    WebhookSink sink(options);
    sink.start();
    ASSERT_TRUE(sink.write(make_alert("tls-3")));
    ASSERT_TRUE(eventually([&] { return wrong_name.tls_handshake_failures() >= 1; }, 5s));
    ASSERT_TRUE(eventually([&] { return sink.stats().retries >= 1; }, 5s));
    sink.stop(0ms);
    EXPECT_EQ(sink.stats().delivered, 0u);
    EXPECT_TRUE(wrong_name.requests().empty());
  }
  EXPECT_EQ(receiver.delivered_alert_ids(), std::multiset<std::string>{"tls-1"});
}

TEST(WebhookSink, InvalidOptionsAreRefused) {
  TempDir dir;
  auto options = options_for("ftp://x/", dir.path());
  EXPECT_THROW(WebhookSink{options}, std::invalid_argument);
  options = options_for("http://127.0.0.1:1/", dir.path());
  options.secrets = {};
  EXPECT_THROW(WebhookSink{options}, std::invalid_argument);
  options = options_for("http://127.0.0.1:1/", dir.path());
  options.ca_file = "/etc/hostname";
  EXPECT_THROW(WebhookSink{options}, std::invalid_argument);  // ca_file on http
}

TEST(WebhookSink, SigkilledMidDeliveryEveryAlertArrivesWithItsOriginalId) {
  TempDir dir;
  WebhookReceiver receiver({kSecret});
  receiver.set_handler([](const ReceivedRequest&, std::size_t) {
    return ReceiverReply{200, "", 50ms};  // slow enough to be killed mid-way
  });
  const std::string spool = dir.path() + "/spool";
  constexpr int kCount = 300;
  {
    ChildProcess driver(
        {WEBHOOK_SINK_DRIVER, receiver.url(), spool, kSecret, std::to_string(kCount), "crash"});
    ASSERT_TRUE(driver.wait_for_stdout("spooled 300", 10s)) << driver.stderr_text();
    ASSERT_TRUE(receiver.wait_for_alerts(30, 10s));
    driver.send_signal(SIGKILL);
    ASSERT_EQ(driver.wait_exit(5s), 128 + SIGKILL);
  }
  const uint64_t before_restart = receiver.delivered_alert_count();
  ASSERT_LT(before_restart, static_cast<uint64_t>(kCount)) << "killed too late to test anything";
  ChildProcess driver({WEBHOOK_SINK_DRIVER, receiver.url(), spool, kSecret, "0", "crash"});
  ASSERT_TRUE(driver.wait_for_stdout("drained", 30s)) << driver.stdout_text();
  EXPECT_EQ(driver.wait_exit(5s), 0);
  const auto ids = receiver.delivered_alert_ids();
  for (int i = 1; i <= kCount; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "crash-%06d", i);
    EXPECT_GE(ids.count(id), 1u) << id;
  }
  // At-least-once only around the crash point: at most the in-flight batches come twice.
  EXPECT_LE(ids.size(), static_cast<std::size_t>(kCount) + 2 * 10);
  EXPECT_EQ(receiver.rejected(), 0u);
  std::map<std::string, std::set<std::string>> bodies;
  for (const auto& r : receiver.requests()) bodies[r.id].insert(r.body);
  for (const auto& [id, set] : bodies) EXPECT_EQ(set.size(), 1u) << id;
}

}  // namespace
}  // namespace panguard::integration
