// vault.io_threads > 1: the real `panguard run` with proxy shards on one port. Many clients at
// once, each judged as on one thread (own secret forwarded, foreign secret denied with its own
// alert, nothing foreign reaching the upstream); the kernel spreads connections so every extra
// shard thread serves; and SIGTERM lets requests in flight on every shard finish.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventually.h"
#include "socket_helpers.h"
#include "vault_proxy_harness.h"
#include "vault_stand_in.h"

namespace panguard::integration {
namespace {

using namespace std::chrono_literals;

constexpr int kShards = 3;

std::string get_request(const std::string& target, const std::string& token, bool close) {
  return "GET " + target + " HTTP/1.1\r\nHost: vault\r\n" + (close ? "Connection: close\r\n" : "") +
         "X-Panguard-Session: " + token + "\r\n\r\n";
}

// Voluntary context switches of each shard thread (named pg-vault-N) of `pid`: a thread that
// serves a connection blocks and wakes, an idle one sleeps in epoll_wait without switching.
std::map<std::string, long> shard_thread_switches(pid_t pid) {
  std::map<std::string, long> switches;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::string name;
    std::ifstream(task.path() / "comm") >> name;
    if (name.rfind("pg-vault-", 0) != 0) continue;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) {
        switches[name] = std::stol(line.substr(line.find(':') + 1));
      }
    }
  }
  return switches;
}

class VaultProxyShardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string config =
        proxy_config(scratch_, "enforce", "http://127.0.0.1:" + std::to_string(stand_in_.port()),
                     "  io_threads: " + std::to_string(kShards) + "\n");
    daemon_ = ProxyDaemon::start(config);
    ASSERT_NE(daemon_.port, 0) << daemon_.process->stderr_text();
    ASSERT_NE(daemon_.process->stderr_text().find(std::to_string(kShards) + " io thread(s)"),
              std::string::npos)
        << daemon_.process->stderr_text();
    port_ = daemon_.port;
  }

  void TearDown() override {
    // Under ThreadSanitizer a data race ends the daemon with a non-zero code.
    if (daemon_.process) {
      EXPECT_EQ(daemon_.stop(), 0) << daemon_.process->stderr_text();
    }
  }

  VaultStandIn stand_in_;
  ScratchDir scratch_;
  ProxyDaemon daemon_;
  uint16_t port_ = 0;
};

TEST_F(VaultProxyShardsTest, ConcurrentClientsAreEachJudgedAndEveryShardServes) {
  const auto idle = shard_thread_switches(daemon_.process->pid());
  ASSERT_EQ(idle.size(), static_cast<std::size_t>(kShards - 1));

  // 48 connections from 8 threads, each connection of its own tenant: one request for its own
  // secret (kept alive), then one for the next tenant's (Connection: close).
  constexpr int kThreads = 8;
  constexpr int kPerThread = 6;
  std::mutex mutex;
  std::vector<std::string> transcripts(kThreads * kPerThread);
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int c = 0; c < kPerThread; ++c) {
        const int n = t * kPerThread + c;
        const std::string tenant = "t" + std::to_string(n);
        const std::string token = session_token(tenant);
        const std::string text = raw_exchange(
            port_, get_request("/v1/secret/data/tenants/" + tenant + "/db", token, false) +
                       get_request("/v1/secret/data/tenants/t" + std::to_string(n + 1) + "/db",
                                   token, true));
        std::lock_guard lock(mutex);
        transcripts[n] = text;
      }
    });
  }
  for (auto& client : clients) client.join();

  for (std::size_t n = 0; n < transcripts.size(); ++n) {
    const std::string& text = transcripts[n];
    ASSERT_EQ(text.rfind("HTTP/1.1 200", 0), 0u) << n << ": " << text;
    const std::size_t second = text.find("HTTP/1.1 ", 1);
    ASSERT_NE(second, std::string::npos) << n << ": " << text;
    EXPECT_EQ(status_of(text.substr(second)), 403) << n << ": " << text;
  }
  // Only the 48 own reads reached the upstream, each the tenant's own.
  const auto seen = stand_in_.requests();
  ASSERT_EQ(seen.size(), transcripts.size());
  std::set<std::string> forwarded;
  for (const auto& request : seen)
    forwarded.insert(request.head.substr(0, request.head.find('\r')));
  for (std::size_t n = 0; n < transcripts.size(); ++n) {
    const std::string tenant = "t" + std::to_string(n);
    EXPECT_EQ(forwarded.count("GET /v1/secret/data/tenants/" + tenant + "/db HTTP/1.1"), 1u)
        << tenant;
  }
  // One critical alert per denial, each carrying the tenant that asked, cited by its 403. The
  // 403s name alerts already raised; their lines reach stdout after, through the router, in
  // whatever order the shards raised them.
  std::vector<nlohmann::json> denials;
  eventually(
      [&] {
        denials = alerts_for(daemon_.process->stdout_text(), "Vault path of another tenant");
        return denials.size() >= transcripts.size();
      },
      15s);
  std::map<std::string, std::string> tenant_of_alert;
  for (const auto& alert : denials) {
    tenant_of_alert[alert["id"].get<std::string>()] = alert["tenant_id"].get<std::string>();
  }
  EXPECT_EQ(tenant_of_alert.size(), transcripts.size());
  for (std::size_t n = 0; n < transcripts.size(); ++n) {
    const std::string& text = transcripts[n];
    bool cited = false;
    for (const auto& [id, tenant] : tenant_of_alert) {
      if (text.find(id) != std::string::npos) {
        EXPECT_EQ(tenant, "t" + std::to_string(n));
        cited = true;
      }
    }
    EXPECT_TRUE(cited) << n << ": " << text;
  }
  // The kernel spread the connections: every extra shard's thread woke to serve some.
  const auto busy = shard_thread_switches(daemon_.process->pid());
  for (const auto& [name, before] : idle) {
    ASSERT_TRUE(busy.count(name)) << name;
    EXPECT_GT(busy.at(name), before) << name << " served no connection";
  }
}

TEST_F(VaultProxyShardsTest, SigtermLetsRequestsInFlightOnEveryShardFinish) {
  // Long enough for all the requests to reach Vault before the first answer, even from the
  // ThreadSanitizer-built daemon CI runs this against; short of the 5 s drain timeout.
  stand_in_.set_answer_delay(3s);
  constexpr int kClients = 12;  // spread over the shards by the kernel
  using Clock = std::chrono::steady_clock;
  std::vector<std::string> transcripts(kClients);
  std::vector<Clock::time_point> answered(kClients);
  std::vector<std::thread> clients;
  for (int n = 0; n < kClients; ++n) {
    clients.emplace_back([&, n] {
      transcripts[n] = raw_exchange(
          port_, get_request("/v1/secret/data/tenants/acme/db", session_token("acme"), true));
      answered[n] = Clock::now();
    });
  }
  eventually([&] { return stand_in_.requests().size() >= std::size_t{kClients}; }, 15s);
  const std::size_t arrived = stand_in_.requests().size();
  const auto sigterm_at = Clock::now();
  daemon_.process->send_signal(SIGTERM);
  for (auto& client : clients) client.join();  // before any ASSERT: a joinable thread aborts
  ASSERT_EQ(arrived, static_cast<std::size_t>(kClients));
  // Each request reached Vault before SIGTERM and was answered after it: in flight.
  for (int n = 0; n < kClients; ++n) {
    ASSERT_TRUE(answered[n] > sigterm_at)
        << n << " was answered "
        << std::chrono::duration_cast<std::chrono::milliseconds>(sigterm_at - answered[n]).count()
        << " ms before SIGTERM";
  }
  for (int n = 0; n < kClients; ++n) {
    EXPECT_EQ(status_of(transcripts[n]), 200) << n << ": " << transcripts[n];
  }
  EXPECT_EQ(daemon_.process->wait_exit(10s), 0) << daemon_.process->stderr_text();
  daemon_.process.reset();  // already stopped: TearDown has nothing left to do
}

}  // namespace
}  // namespace panguard::integration
