#include "agent/admin/admin_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/store/memory_store.h"
#include "test_support.h"

namespace panguard::agent {
namespace {

namespace http = boost::beast::http;

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { packs_.swap(testing::compile_snapshot(testing::kTestPack, "v1")); }

  AdminRoutes routes(bool ingest) {
    return AdminRoutes(
        AdminState{metrics_, packs_, loop_running_, ingest ? &pipeline_ : nullptr, clock_});
  }

  static HttpResponse handle(const AdminRoutes& routes, const HttpRequest& request) {
    return testing::run_awaitable(routes.handle(request));
  }

  static HttpRequest request(http::verb verb, const std::string& target, std::string body = "") {
    HttpRequest req(verb, target, 11);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  PackHolder packs_;
  MemoryStore store_;
  testing::RecordingSink sink_;
  Metrics metrics_;
  ManualTimeSource clock_{1'000};
  std::atomic<bool> loop_running_{true};
  Pipeline pipeline_{PipelineOptions{"node-1", Mode::kMonitor}, packs_, store_, sink_, metrics_};
};

TEST_F(AdminRoutesTest, Metrics) {
  const HttpResponse response = handle(routes(false), request(http::verb::get, "/metrics"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body().find("# TYPE panguard_events_total counter"), std::string::npos);
  EXPECT_NE(response.body().find("panguard_eval_latency_seconds_bucket"), std::string::npos);
}

TEST_F(AdminRoutesTest, HealthzFollowsTheLoop) {
  loop_running_ = false;
  EXPECT_EQ(handle(routes(false), request(http::verb::get, "/healthz")).result(),
            http::status::service_unavailable);
  loop_running_ = true;
  EXPECT_EQ(handle(routes(false), request(http::verb::get, "/healthz")).result(), http::status::ok);
}

TEST_F(AdminRoutesTest, ReadyzNeedsAPack) {
  EXPECT_EQ(handle(routes(false), request(http::verb::get, "/readyz")).result(), http::status::ok);
  packs_.swap(nullptr);
  const HttpResponse response = handle(routes(false), request(http::verb::get, "/readyz"));
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_NE(response.body().find("no rule pack loaded"), std::string::npos);
}

// A store that only reports its health; /readyz must not call anything else.
class HealthOnlyStore : public MemoryStore {
 public:
  bool healthy() const override { return healthy_; }
  bool healthy_ = true;
};

TEST_F(AdminRoutesTest, ReadyzNeedsAReachableStore) {
  HealthOnlyStore store;
  AdminRoutes with_store(AdminState{metrics_, packs_, loop_running_, nullptr, clock_, &store});
  EXPECT_EQ(handle(with_store, request(http::verb::get, "/readyz")).result(), http::status::ok);
  store.healthy_ = false;
  const HttpResponse response = handle(with_store, request(http::verb::get, "/readyz"));
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_NE(response.body().find("counter store unreachable"), std::string::npos);
}

TEST_F(AdminRoutesTest, ReadyzListsDegradedOptionalPartsButStaysReady) {
  std::string sensor_note;
  AdminState state{metrics_, packs_, loop_running_, nullptr, clock_};
  state.degraded_notes.push_back([&sensor_note] { return sensor_note; });
  AdminRoutes with_sensor(std::move(state));
  EXPECT_EQ(handle(with_sensor, request(http::verb::get, "/readyz")).body().find("degraded"),
            std::string::npos);
  sensor_note = "eBPF sensor: degraded: load: permission denied";
  const HttpResponse response = handle(with_sensor, request(http::verb::get, "/readyz"));
  EXPECT_EQ(response.result(), http::status::ok) << "the proxy and the rules still work";
  EXPECT_NE(response.body().find("degraded: eBPF sensor: degraded: load: permission denied"),
            std::string::npos);
}

TEST_F(AdminRoutesTest, IngestIsNotFoundUnlessEnabled) {
  EXPECT_EQ(handle(routes(false), request(http::verb::post, "/v1/events", "{}")).result(),
            http::status::not_found);
}

TEST_F(AdminRoutesTest, IngestEvaluatesEachLine) {
  const std::string body =
      R"({"source":"vault","fields":{"tenant.id":"acme","tenant.source":"jwt","vault.path":"secret/tenants/globex/x","vault.path_tenant":"globex"}})"
      "\n\n"
      R"({"source":"vault","fields":{"tenant.id":"acme","tenant.source":"jwt","vault.path_tenant":"acme"}})"
      "\n";
  const HttpResponse response = handle(routes(true), request(http::verb::post, "/v1/events", body));
  EXPECT_EQ(response.result(), http::status::ok);
  const auto j = nlohmann::json::parse(response.body());
  EXPECT_EQ(j["accepted"], 2);
  EXPECT_EQ(j["rejected"], 0);
  EXPECT_EQ(j["alerts"], 1);
  ASSERT_EQ(sink_.alerts().size(), 1u);
  EXPECT_EQ(sink_.alerts()[0].time_ns, 1'000);  // no evt.time: the clock
}

TEST_F(AdminRoutesTest, IngestReportsBadLinesAndKeepsGoodOnes) {
  const std::string body =
      "not json\n"
      R"({"source":"vault","fields":{"tenant.id":"acme","vault.path_tenant":"globex"}})";
  const HttpResponse response = handle(routes(true), request(http::verb::post, "/v1/events", body));
  EXPECT_EQ(response.result(), http::status::bad_request);
  const auto j = nlohmann::json::parse(response.body());
  EXPECT_EQ(j["accepted"], 1);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["errors"][0].get<std::string>().rfind("line 1: ", 0), 0u);
  EXPECT_NE(metrics_.render().find("panguard_drops_total{stage=\"parse\"} 1"), std::string::npos);
}

TEST_F(AdminRoutesTest, WrongMethodAndUnknownPath) {
  const HttpResponse wrong = handle(routes(true), request(http::verb::post, "/metrics"));
  EXPECT_EQ(wrong.result(), http::status::method_not_allowed);
  EXPECT_EQ(wrong[http::field::allow], "GET");
  EXPECT_EQ(handle(routes(true), request(http::verb::get, "/v1/events")).result(),
            http::status::method_not_allowed);
  EXPECT_EQ(handle(routes(true), request(http::verb::get, "/nope")).result(),
            http::status::not_found);
  EXPECT_EQ(handle(routes(true), request(http::verb::get, "/metrics?x=1")).result(),
            http::status::ok);
}

}  // namespace
}  // namespace panguard::agent
