// AlertmanagerSink against a real prometheus-alertmanager started by the test (its own loopback
// port, storage dir and minimal config; clustering off), read back from GET /api/v2/alerts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "alerts/alertmanager/alertmanager_sink.h"
#include "delivery_test_support.h"
#include "nats_test_server.h"  // free_tcp_port
#include "process.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;
using alerts::AlertmanagerOptions;
using alerts::AlertmanagerSink;

constexpr const char* kAlertmanagerBin = "/usr/bin/prometheus-alertmanager";

// GET over HTTP/1.0 so the body is never chunked; {status, body}, status 0 when unreachable.
std::pair<int, std::string> http10_get(uint16_t port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {0, ""};
  }
  const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (response.size() < 12 || response.rfind("HTTP/1.", 0) != 0) return {0, ""};
  const std::size_t header_end = response.find("\r\n\r\n");
  return {std::stoi(response.substr(9, 3)),
          header_end == std::string::npos ? "" : response.substr(header_end + 4)};
}

class AlertmanagerServer {
 public:
  explicit AlertmanagerServer(const std::string& dir) : dir_(dir), port_(free_tcp_port()) {
    std::ofstream(dir_ + "/alertmanager.yml") << "route:\n  receiver: blackhole\n"
                                                 "receivers:\n  - name: blackhole\n";
  }
  void start() {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        kAlertmanagerBin, "--config.file=" + dir_ + "/alertmanager.yml",
        "--storage.path=" + dir_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--cluster.listen-address="});
    if (!eventually([&] { return http10_get(port_, "/-/ready").first == 200; }, 20s)) {
      throw std::runtime_error("alertmanager did not become ready: " + process_->stderr_text());
    }
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Alertmanager's view of its alerts, keyed by the alert_id annotation.
  std::map<std::string, nlohmann::json> alerts() const {
    std::map<std::string, nlohmann::json> by_id;
    const auto [status, body] = http10_get(port_, "/api/v2/alerts");
    if (status != 200) return by_id;
    for (const auto& alert : nlohmann::json::parse(body)) {
      by_id[alert["annotations"].value("alert_id", "")] = alert;
    }
    return by_id;
  }

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

class AlertmanagerSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kAlertmanagerBin, X_OK) != 0) {
      GTEST_SKIP() << "!!! " << kAlertmanagerBin << " is missing: Alertmanager sink tests NOT "
                   << "RUN (apt-get install prometheus-alertmanager)";
    }
    server_ = std::make_unique<AlertmanagerServer>(dir_.path());
  }
  AlertmanagerOptions options() {
    AlertmanagerOptions o;
    o.url = server_->url();
    o.backoff_min = 50ms;
    o.backoff_max = 500ms;
    o.request_timeout = 2s;
    o.on_platform_event = events_.callback();
    return o;
  }
  TempDir dir_;
  std::unique_ptr<AlertmanagerServer> server_;
  PlatformEvents events_;
};

TEST_F(AlertmanagerSinkTest, AlertsAreReadBackWithLabelsAndAnnotations) {
  server_->start();
  AlertmanagerSink sink(options());
  sink.start();
  // Distinct rules: Alertmanager merges alerts whose label sets are equal.
  std::vector<alerts::Alert> written;
  for (int i = 0; i < 10; ++i) {
    written.push_back(make_alert("acme", rules::Priority::kCritical, "Rule " + std::to_string(i)));
  }
  written.push_back(make_alert(std::nullopt, rules::Priority::kWarning, "Rule pack refused"));
  for (const auto& alert : written) ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return server_->alerts().size() == written.size(); }, 15s))
      << server_->alerts().size();
  sink.stop(2s);
  EXPECT_EQ(sink.stats().delivered, written.size());
  EXPECT_EQ(sink.stats().abandoned, 0u);

  const auto stored = server_->alerts();
  for (const auto& alert : written) {
    ASSERT_TRUE(stored.count(alert.id)) << alert.id;
    const auto& got = stored.at(alert.id);
    const auto& labels = got.at("labels");
    EXPECT_EQ(labels.at("alertname"), alert.rule);
    EXPECT_EQ(labels.at("severity"), alert.tenant_id ? "critical" : "warning");
    EXPECT_EQ(labels.at("tenant"), alert.tenant_id.value_or("platform"));
    EXPECT_EQ(labels.at("scope"), alert.tenant_id ? "tenant" : "platform");
    EXPECT_EQ(labels.at("source"), "vault");
    EXPECT_EQ(labels.at("node"), "node-1");
    const auto& annotations = got.at("annotations");
    EXPECT_EQ(annotations.at("summary"), "tenant reached outside its boundary");
    EXPECT_EQ(annotations.at("description"), alert.output);
    EXPECT_EQ(annotations.at("pack_version"), "7");
    EXPECT_EQ(got.at("status").at("state"), "active");
    // endsAt = startsAt + 5 minutes (the default resolve timeout).
    const std::string starts = got.at("startsAt"), ends = got.at("endsAt");
    EXPECT_EQ(starts.substr(0, 10), ends.substr(0, 10));
    EXPECT_NE(starts, ends);
  }
}

TEST_F(AlertmanagerSinkTest, ConnectionErrorsAreRetriedUntilAlertmanagerIsUp) {
  AlertmanagerSink sink(options());  // nothing listens yet
  sink.start();
  const auto alert = make_alert("globex", rules::Priority::kError, "Token flood");
  ASSERT_TRUE(sink.write(alert));
  ASSERT_TRUE(eventually([&] { return sink.stats().retries >= 2; }, 10s));
  EXPECT_EQ(events_.count("alertmanager_unavailable"), 1u);
  server_->start();
  ASSERT_TRUE(eventually([&] { return server_->alerts().count(alert.id) == 1; }, 15s));
  sink.stop(2s);
  EXPECT_EQ(sink.stats().delivered, 1u);
  EXPECT_EQ(server_->alerts().at(alert.id).at("labels").at("tenant"), "globex");
}

TEST_F(AlertmanagerSinkTest, FullQueueDropsAreCountedAndStopAbandonsTheRest) {
  AlertmanagerOptions o = options();
  o.queue_size = 4;
  o.max_batch = 1;
  AlertmanagerSink sink(o);  // not started: nothing leaves the queue
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += sink.write(make_alert("acme")) ? 1 : 0;
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(sink.stats().dropped_queue_full, 6u);
  EXPECT_EQ(events_.count("alertmanager_queue_full"), 1u);
  sink.start();  // Alertmanager is down: everything stays queued/retrying
  sink.stop(300ms);
  EXPECT_EQ(sink.stats().abandoned, 4u);
  EXPECT_EQ(sink.stats().delivered, 0u);
}

}  // namespace
}  // namespace panguard::integration
