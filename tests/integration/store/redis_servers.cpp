#include "tests/integration/store/redis_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace panguard::agent::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr auto kStartupTimeout = 10s;
constexpr auto kCliTimeout = 30s;
constexpr int kStartAttempts = 5;

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \r\n\t");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \r\n\t");
  return text.substr(first, last - first + 1);
}

pid_t spawn(const std::vector<std::string>& argv, int stdout_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  return pid;
}

// Runs a short command to completion and returns its stdout+stderr; killed past the timeout.
std::string run_capture(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = -1;
  try {
    pid = spawn(argv, pipe_fds[1]);
  } catch (...) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw;
  }
  ::close(pipe_fds[1]);
  std::string output;
  const auto deadline = Clock::now() + kCliTimeout;
  bool timed_out = false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) {
      timed_out = true;
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) throw std::runtime_error(argv[0] + " timed out");
  return output;
}

bool can_bind(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A port free right now. Cluster nodes also listen on port + 10000 (the cluster bus), so for
// them both must be free; the range keeps port + 10000 valid. Another process may still grab
// the port before redis-server binds it: start() retries with a new port when that happens.
uint16_t pick_port(bool with_bus_port) {
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> dist(20000, 29999);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const auto port = static_cast<uint16_t>(dist(rng));
    if (can_bind(port) && (!with_bus_port || can_bind(static_cast<uint16_t>(port + 10000)))) {
      return port;
    }
  }
  throw std::runtime_error("no free loopback port");
}

// PING over a raw socket, so waiting for startup does not spawn a redis-cli per attempt.
bool answers_ping(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    static constexpr char kPing[] = "PING\r\n";
    if (::write(fd, kPing, sizeof kPing - 1) == static_cast<ssize_t>(sizeof kPing - 1)) {
      char buf[16] = {};
      const ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ok = n >= 5 && std::string(buf, 5) == "+PONG";
    }
  }
  ::close(fd);
  return ok;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct RedisServer::Impl {
  bool cluster_enabled = false;
  uint16_t port = 0;
  std::filesystem::path dir;
  pid_t pid = -1;

  std::filesystem::path log_path() const { return dir / "redis.log"; }

  // Spawns redis-server on `port` and waits for PING. False (child reaped) when it did not
  // come up; the log says why.
  bool launch() {
    std::vector<std::string> argv = {
        kRedisServer, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
        // DEBUG SLEEP is how tests make a command time out.
        "--enable-debug-command", "local", "--dir", dir.string(), "--logfile", log_path().string()};
    if (cluster_enabled) {
      for (const char* arg : {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                              "--cluster-node-timeout", "5000"}) {
        argv.emplace_back(arg);
      }
    }
    pid = spawn(argv, -1);
    const auto deadline = Clock::now() + kStartupTimeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return false;
      }
      if (answers_ping(port)) return true;
      std::this_thread::sleep_for(20ms);
    }
    stop();
    return false;
  }

  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
};

RedisServer::RedisServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RedisServer::~RedisServer() {
  impl_->stop();
  std::error_code ignored;
  std::filesystem::remove_all(impl_->dir, ignored);
}

std::unique_ptr<RedisServer> RedisServer::start(bool cluster_enabled) {
  auto impl = std::make_unique<Impl>();
  impl->cluster_enabled = cluster_enabled;
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "panguard-redis-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  impl->dir = dir_template;
  auto server = std::unique_ptr<RedisServer>(new RedisServer(std::move(impl)));
  std::string log;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    server->impl_->port = pick_port(cluster_enabled);
    if (server->impl_->launch()) return server;
    log = read_file(server->impl_->log_path());
    // Someone took the port between pick_port and bind: try another one.
    if (log.find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error("redis-server did not start:\n" + log);
}

uint16_t RedisServer::port() const { return impl_->port; }

void RedisServer::kill() { impl_->stop(); }

void RedisServer::restart() {
  impl_->stop();
  if (!impl_->launch()) {
    throw std::runtime_error("redis-server did not restart:\n" + read_file(impl_->log_path()));
  }
}

bool RedisServer::running() const { return impl_->pid > 0; }

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(impl_->port)};
  argv.insert(argv.end(), args.begin(), args.end());
  return trim(run_capture(argv));
}

namespace {

bool cluster_ready(const RedisServer& node, std::size_t node_count) {
  const std::string info = node.cli({"CLUSTER", "INFO"});
  return info.find("cluster_state:ok") != std::string::npos &&
         info.find("cluster_slots_assigned:16384") != std::string::npos &&
         info.find("cluster_known_nodes:" + std::to_string(node_count)) != std::string::npos;
}

// The slots a node itself claims, from the "myself" line of its CLUSTER NODES: tokens after
// the eighth are "N" or "A-B" ranges, or "[...]" migration markers (skipped).
bool node_claims(const RedisServer& node, int slot) {
  std::istringstream lines(node.cli({"CLUSTER", "NODES"}));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("myself") == std::string::npos) continue;
    std::istringstream tokens(line);
    std::string token;
    for (int i = 0; i < 8 && tokens >> token; ++i) {
    }
    while (tokens >> token) {
      if (token.empty() || token[0] == '[') continue;
      const auto dash = token.find('-');
      const int first = std::stoi(token.substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(token.substr(dash + 1));
      if (slot >= first && slot <= last) return true;
    }
  }
  return false;
}

}  // namespace

std::unique_ptr<RedisCluster> RedisCluster::start() {
  auto cluster = std::unique_ptr<RedisCluster>(new RedisCluster());
  for (int i = 0; i < 3; ++i) cluster->nodes_.push_back(RedisServer::start(true));
  std::vector<std::string> create = {kRedisCli, "--cluster", "create"};
  for (const auto& node : cluster->nodes_) {
    create.push_back("127.0.0.1:" + std::to_string(node->port()));
  }
  for (const char* arg : {"--cluster-replicas", "0", "--cluster-yes"}) create.emplace_back(arg);
  const std::string output = run_capture(create);
  const auto deadline = Clock::now() + 30s;
  for (;;) {
    bool all_ready = true;
    for (const auto& node : cluster->nodes_) {
      all_ready = all_ready && cluster_ready(*node, cluster->nodes_.size());
    }
    if (all_ready) return cluster;
    if (Clock::now() > deadline) {
      throw std::runtime_error("redis cluster did not reach cluster_state:ok:\n" + output);
    }
    std::this_thread::sleep_for(100ms);
  }
}

RedisCluster::~RedisCluster() = default;

std::vector<uint16_t> RedisCluster::ports() const {
  std::vector<uint16_t> ports;
  for (const auto& node : nodes_) ports.push_back(node->port());
  return ports;
}

RedisServer& RedisCluster::node(std::size_t i) { return *nodes_.at(i); }

std::size_t RedisCluster::owner_of(int slot) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (node_claims(*nodes_[i], slot)) return i;
  }
  throw std::runtime_error("no node owns slot " + std::to_string(slot));
}

void RedisCluster::move_slot(int slot, std::size_t to_node, bool finish) {
  const std::size_t from_node = owner_of(slot);
  if (from_node == to_node) return;
  RedisServer& source = *nodes_.at(from_node);
  RedisServer& target = *nodes_.at(to_node);
  const std::string slot_text = std::to_string(slot);
  const std::string source_id = source.cli({"CLUSTER", "MYID"});
  const std::string target_id = target.cli({"CLUSTER", "MYID"});
  auto expect_ok = [](const std::string& reply, const char* what) {
    if (reply != "OK") throw std::runtime_error(std::string(what) + " failed: " + reply);
  };
  expect_ok(target.cli({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", source_id}), "IMPORTING");
  expect_ok(source.cli({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", target_id}), "MIGRATING");
  for (;;) {
    std::istringstream keys(source.cli({"CLUSTER", "GETKEYSINSLOT", slot_text, "100"}));
    std::vector<std::string> migrate = {
        "MIGRATE", "127.0.0.1", std::to_string(target.port()), "", "0", "5000", "KEYS"};
    std::string key;
    bool any = false;
    while (std::getline(keys, key)) {
      if (key.empty()) continue;
      migrate.push_back(key);
      any = true;
    }
    if (!any) break;
    expect_ok(source.cli(migrate), "MIGRATE");
  }
  if (!finish) return;
  // The new owner first (it bumps its epoch), then the old one, then everyone else, as the
  // Redis Cluster spec's resharding steps say.
  expect_ok(target.cli({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "SETSLOT target");
  expect_ok(source.cli({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}), "SETSLOT source");
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i == from_node || i == to_node) continue;
    expect_ok(nodes_[i]->cli({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id}),
              "SETSLOT other");
  }
}

}  // namespace panguard::agent::testing
