// The Vault audit-socket listener end to end: the real `panguard run` with vault_audit enabled,
// fed over raw sockets the way Vault's `socket` audit device writes (one JSON record per line).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventually.h"
#include "http_client.h"
#include "integration_env.h"
#include "process.h"
#include "socket_helpers.h"

namespace panguard::integration {
namespace {

constexpr const char* kCrossTenantRule = "Vault path of another tenant";
constexpr const char* kDropsRule = "Vault audit records dropped";

// A Kubernetes-auth client of tenant acme (namespace acme-prod) reading `path`, as one line.
std::string kv_read_record(const std::string& path) {
  const std::filesystem::path fixture = std::filesystem::path(PANGUARD_SOURCE_DIR) /
                                        "tests/unit/vault/data/audit/kv2_read_kubernetes.json";
  nlohmann::json record = nlohmann::json::parse(read_file(fixture));
  record["request"]["path"] = path;
  return record.dump() + "\n";
}

// A connected client socket, closed with the object.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes) const {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

 private:
  int fd_;
};

std::unique_ptr<Connection> connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::make_unique<Connection>(-1);
  }
  return std::make_unique<Connection>(fd);
}

std::unique_ptr<Connection> connect_tcp(uint16_t port) {
  return std::make_unique<Connection>(connect_loopback(port));
}

class VaultAuditTest : public ::testing::Test {
 protected:
  void start_unix() {
    socket_path_ = (scratch_.path() / "audit.sock").string();
    start("unix:" + socket_path_);
  }

  void start(const std::string& listen) {
    const std::string config = scratch_.write(
        "panguard.yaml",
        "admin:\n  listen: 127.0.0.1:0\nvault_audit:\n  enabled: true\n  listen: " + listen +
            "\n  max_record_bytes: 4096\n  namespace_tenants:\n    acme-prod: acme\n"
            "    globex-prod: globex\n");
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kPanguard, "run", "--config", config});
    ASSERT_TRUE(daemon_->wait_for_stderr(" ready\n", 20s)) << daemon_->stderr_text();
    const std::string err = daemon_->stderr_text();
    if (listen.starts_with("unix:")) {
      EXPECT_NE(err.find("vault audit listening on " + listen + "\n"), std::string::npos) << err;
    }
    std::smatch match;
    if (std::regex_search(err, match,
                          std::regex("vault audit listening on tcp:127\\.0\\.0\\.1:(\\d+)"))) {
      tcp_port_ = static_cast<uint16_t>(std::stoi(match[1]));
    }
    ASSERT_TRUE(
        std::regex_search(err, match, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)")));
    admin_port_ = static_cast<uint16_t>(std::stoi(match[1]));
  }

  // The value of one series from /metrics, or -1 when absent.
  double metric(const std::string& series) {
    const std::string text = http_request(admin_port_, "GET", "/metrics").body;
    const std::size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }

  std::vector<nlohmann::json> wait_for_alerts(const std::string& rule, std::size_t count) {
    std::vector<nlohmann::json> found;
    eventually([&] { return (found = alerts_for(daemon_->stdout_text(), rule)).size() >= count; });
    return found;
  }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(10s), 0) << daemon_->stderr_text();
    if (!socket_path_.empty()) {
      EXPECT_FALSE(std::filesystem::exists(socket_path_)) << "socket file left behind";
    }
  }

  ScratchDir scratch_;
  std::unique_ptr<ChildProcess> daemon_;
  std::string socket_path_;
  uint16_t admin_port_ = 0;
  uint16_t tcp_port_ = 0;
};

void expect_cross_tenant_alert_for_acme(const nlohmann::json& alert) {
  EXPECT_EQ(alert["priority"], "critical");
  EXPECT_EQ(alert["tenant_id"], "acme");
  EXPECT_EQ(alert["output_fields"]["tenant.source"], "account") << alert.dump();
  EXPECT_EQ(alert["output_fields"]["vault.path_tenant"], "globex") << alert.dump();
}

TEST_F(VaultAuditTest, ForeignKvReadOnUnixSocketRaisesCriticalAlertForAccountTenant) {
  start_unix();
  struct stat info {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  const auto vault = connect_unix(socket_path_);
  ASSERT_TRUE(vault->ok());
  ASSERT_TRUE(vault->send_all(kv_read_record("secret/data/tenants/acme/db")));
  ASSERT_TRUE(vault->send_all(kv_read_record("secret/data/tenants/globex/db")));
  const auto alerts = wait_for_alerts(kCrossTenantRule, 1);
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text() << daemon_->stderr_text();
  expect_cross_tenant_alert_for_acme(alerts[0]);
}

TEST_F(VaultAuditTest, RecordSplitAcrossWritesIsEvaluatedOnce) {
  start_unix();
  const auto vault = connect_unix(socket_path_);
  ASSERT_TRUE(vault->ok());
  const std::string record = kv_read_record("secret/data/tenants/globex/db");
  const std::size_t step = record.size() / 4 + 1;
  for (std::size_t at = 0; at < record.size(); at += step) {
    ASSERT_TRUE(vault->send_all(record.substr(at, step)));
    std::this_thread::sleep_for(30ms);  // separate reads on the listener's side
  }
  const auto alerts = wait_for_alerts(kCrossTenantRule, 1);
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text() << daemon_->stderr_text();
  expect_cross_tenant_alert_for_acme(alerts[0]);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(alerts_for(daemon_->stdout_text(), kCrossTenantRule).size(), 1u);
}

TEST_F(VaultAuditTest, OversizedRecordIsDroppedCountedAndReported) {
  start_unix();
  const auto vault = connect_unix(socket_path_);
  ASSERT_TRUE(vault->ok());
  const std::string marker = "oversized-record-content";
  std::string oversized = "{\"pad\":\"";
  while (oversized.size() < 10'000) oversized += marker;
  ASSERT_TRUE(vault->send_all(oversized + "\"}\n"));
  // Framing resumes after the dropped record's newline.
  ASSERT_TRUE(vault->send_all(kv_read_record("secret/data/tenants/globex/db")));

  ASSERT_EQ(wait_for_alerts(kCrossTenantRule, 1).size(), 1u) << daemon_->stderr_text();
  const auto reports = wait_for_alerts(kDropsRule, 1);
  ASSERT_EQ(reports.size(), 1u) << daemon_->stdout_text() << daemon_->stderr_text();
  EXPECT_EQ(reports[0]["tenant_id"], nullptr);
  EXPECT_NE(reports[0].dump().find("unframeable=1"), std::string::npos) << reports[0].dump();
  EXPECT_EQ(daemon_->stdout_text().find(marker), std::string::npos);
  EXPECT_EQ(metric("panguard_drops_total{stage=\"audit_record\"}"), 1);
  EXPECT_EQ(metric("panguard_drops_total{stage=\"audit_queue\"}"), 0);
}

TEST_F(VaultAuditTest, MalformedRecordIsCountedAsParseDrop) {
  start_unix();
  const auto vault = connect_unix(socket_path_);
  ASSERT_TRUE(vault->ok());
  ASSERT_TRUE(vault->send_all("{\"type\":\"request\",\"type\":\"request\"}\n"));
  ASSERT_EQ(wait_for_alerts(kDropsRule, 1).size(), 1u) << daemon_->stderr_text();
  EXPECT_EQ(metric("panguard_drops_total{stage=\"audit_parse\"}"), 1);
}

TEST_F(VaultAuditTest, VaultCanReconnectAfterItsConnectionDrops) {
  start_unix();
  {
    const auto first = connect_unix(socket_path_);
    ASSERT_TRUE(first->ok());
    ASSERT_TRUE(first->send_all(kv_read_record("secret/data/tenants/globex/a")));
  }
  const auto second = connect_unix(socket_path_);
  ASSERT_TRUE(second->ok());
  ASSERT_TRUE(second->send_all(kv_read_record("secret/data/tenants/globex/b")));
  EXPECT_EQ(wait_for_alerts(kCrossTenantRule, 2).size(), 2u) << daemon_->stderr_text();
}

TEST_F(VaultAuditTest, TcpListenerOnPortZero) {
  start("tcp:127.0.0.1:0");
  ASSERT_NE(tcp_port_, 0) << daemon_->stderr_text();
  const auto vault = connect_tcp(tcp_port_);
  ASSERT_TRUE(vault->ok());
  ASSERT_TRUE(vault->send_all(kv_read_record("secret/data/tenants/globex/db")));
  const auto alerts = wait_for_alerts(kCrossTenantRule, 1);
  ASSERT_EQ(alerts.size(), 1u) << daemon_->stdout_text() << daemon_->stderr_text();
  expect_cross_tenant_alert_for_acme(alerts[0]);
}

TEST(VaultAuditStartup, RefusesToReplaceAFileThatIsNotASocket) {
  ScratchDir scratch;
  const std::string path = scratch.write("audit.sock", "not a socket");
  const std::string config = scratch.write(
      "panguard.yaml",
      "admin:\n  listen: 127.0.0.1:0\nvault_audit:\n  enabled: true\n  listen: unix:" + path +
          "\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config}, 20s);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("exists and is not a socket"), std::string::npos) << result.err;
  EXPECT_EQ(read_file(path), "not a socket");
}

TEST(VaultAuditStartup, RefusesANonLoopbackTcpAddress) {
  ScratchDir scratch;
  const std::string config =
      scratch.write("panguard.yaml", "vault_audit:\n  enabled: true\n  listen: tcp:0.0.0.0:9090\n");
  const RunResult result = run_process({kPanguard, "run", "--config", config}, 20s);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("vault_audit.listen: must be a loopback address"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace panguard::integration
