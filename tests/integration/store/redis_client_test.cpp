// RedisClient against real redis-server processes: one server, and a 3-master cluster.
#include "agent/store/redis/redis_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "tests/integration/store/redis_servers.h"

namespace panguard::agent::redis {
namespace {

using namespace std::chrono_literals;
using testing::RedisCluster;
using testing::RedisServer;
using Clock = std::chrono::steady_clock;

// Collects results of many calls, counting how often each handler ran.
class Calls {
 public:
  explicit Calls(std::size_t n) : results_(n), counts_(n, 0) {}

  ResultHandler handler(std::size_t i) {
    return [this, i](Result result) {
      std::lock_guard lock(mutex_);
      ++counts_[i];
      results_[i] = std::move(result);
      ++answered_;
      changed_.notify_all();
    };
  }
  bool wait_all(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return answered_ >= results_.size(); });
  }
  // After every handler ran, none runs a second time.
  void expect_each_answered_once() {
    std::this_thread::sleep_for(300ms);
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < counts_.size(); ++i) EXPECT_EQ(counts_[i], 1) << "call " << i;
  }
  Result result(std::size_t i) {
    std::lock_guard lock(mutex_);
    return results_[i].value();
  }
  std::size_t size() const { return results_.size(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<Result>> results_;
  std::vector<int> counts_;
  std::size_t answered_ = 0;
};

Result call(Executor& client, std::vector<std::string> argv, std::string key = "") {
  Calls calls(1);
  client.execute(std::move(argv), std::move(key), calls.handler(0));
  EXPECT_TRUE(calls.wait_all());
  return calls.result(0);
}

Result call_eval(Executor& client, const LuaScript& script, std::vector<std::string> keys,
                 std::vector<std::string> args = {}) {
  Calls calls(1);
  client.eval(script, std::move(keys), std::move(args), calls.handler(0));
  EXPECT_TRUE(calls.wait_all());
  return calls.result(0);
}

std::string describe(const Result& result) {
  if (const auto* failure = std::get_if<Failure>(&result)) {
    return "failure " + std::to_string(static_cast<int>(failure->kind)) + ": " + failure->message;
  }
  const Reply& reply = std::get<Reply>(result);
  return "reply type " + std::to_string(static_cast<int>(reply.type)) + " '" + reply.text + "' " +
         std::to_string(reply.integer);
}

Reply expect_reply(const Result& result) {
  EXPECT_TRUE(std::holds_alternative<Reply>(result)) << describe(result);
  return std::holds_alternative<Reply>(result) ? std::get<Reply>(result) : Reply{};
}

std::optional<FailureKind> failure_kind(const Result& result) {
  if (const auto* failure = std::get_if<Failure>(&result)) return failure->kind;
  return std::nullopt;
}

int64_t expect_integer(const Result& result) {
  const Reply reply = expect_reply(result);
  EXPECT_EQ(reply.type, Reply::Type::kInteger) << describe(result);
  return reply.integer;
}

std::string expect_string(const Result& result) {
  const Reply reply = expect_reply(result);
  EXPECT_EQ(reply.type, Reply::Type::kString) << describe(result);
  return reply.text;
}

// True once PING succeeds through the client (it reconnects by itself).
bool eventually_answers(Executor& client, std::string key = "",
                        std::chrono::milliseconds timeout = 8s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const Result result = call(client, {"PING"}, key);
    if (const auto* reply = std::get_if<Reply>(&result); reply && reply->text == "PONG") {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

ClientOptions single_options(uint16_t port) {
  ClientOptions options;
  options.seeds = {{"127.0.0.1", port}};
  options.command_timeout = 2000ms;
  return options;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RedisServer::start(); }

  std::unique_ptr<RedisClient> make_client(ClientOptions options) {
    auto client = std::make_unique<RedisClient>(std::move(options));
    client->start();
    return client;
  }
  std::unique_ptr<RedisClient> make_client() {
    return make_client(single_options(server_->port()));
  }

  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisClientTest, SetGetIncrRoundTrip) {
  auto client = make_client();
  const Reply set = expect_reply(call(*client, {"SET", "greeting", "hello"}));
  EXPECT_EQ(set.type, Reply::Type::kStatus);
  EXPECT_EQ(set.text, "OK");
  EXPECT_EQ(expect_string(call(*client, {"GET", "greeting"})), "hello");
  EXPECT_EQ(expect_integer(call(*client, {"INCR", "counter"})), 1);
  EXPECT_EQ(expect_integer(call(*client, {"INCRBY", "counter", "41"})), 42);
  EXPECT_EQ(expect_reply(call(*client, {"GET", "missing"})).type, Reply::Type::kNil);
  const Reply wrong = expect_reply(call(*client, {"INCR", "greeting"}));
  EXPECT_EQ(wrong.type, Reply::Type::kError);
  EXPECT_NE(wrong.text.find("not an integer"), std::string::npos);
  const Reply list = expect_reply(call(*client, {"MGET", "greeting", "missing", "counter"}));
  ASSERT_EQ(list.type, Reply::Type::kArray);
  ASSERT_EQ(list.elements.size(), 3u);
  EXPECT_EQ(list.elements[0].text, "hello");
  EXPECT_EQ(list.elements[1].type, Reply::Type::kNil);
  EXPECT_EQ(list.elements[2].text, "42");
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(server_->cli({"GET", "counter"}), "42");
}

TEST_F(RedisClientTest, ArgvIsBinarySafe) {
  auto client = make_client();
  const std::vector<std::string> keys = {"key with spaces",
                                         "multi\nline\r\nkey",
                                         std::string("nul\0inside", 10),
                                         "{brace",
                                         "brace}",
                                         "*3\r\n$3\r\nSET",
                                         ""};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string value = keys[i] + std::string("\0\xff value", 8) + std::to_string(i);
    EXPECT_EQ(expect_reply(call(*client, {"SET", keys[i], value})).text, "OK");
    EXPECT_EQ(expect_string(call(*client, {"GET", keys[i]})), value);
    EXPECT_EQ(expect_integer(call(*client, {"STRLEN", keys[i]})),
              static_cast<int64_t>(value.size()));
  }
  EXPECT_EQ(expect_integer(call(*client, {"DBSIZE"})), static_cast<int64_t>(keys.size()));
  EXPECT_EQ(server_->cli({"EXISTS", "key with spaces"}), "1");
  // The protocol-looking key was stored as one key, not interpreted as a command.
  EXPECT_EQ(server_->cli({"EXISTS", "SET"}), "0");
}

TEST_F(RedisClientTest, TenThousandPipelinedIncrsAreExact) {
  auto client = make_client();
  constexpr std::size_t kCount = 10000;
  Calls calls(kCount);
  for (std::size_t i = 0; i < kCount; ++i)
    client->execute({"INCR", "pipelined"}, "", calls.handler(i));
  ASSERT_TRUE(calls.wait_all(20s));
  std::set<int64_t> seen;
  for (std::size_t i = 0; i < kCount; ++i) seen.insert(expect_integer(calls.result(i)));
  EXPECT_EQ(seen.size(), kCount);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), static_cast<int64_t>(kCount));
  EXPECT_EQ(expect_string(call(*client, {"GET", "pipelined"})), std::to_string(kCount));
  calls.expect_each_answered_once();
}

TEST_F(RedisClientTest, CommandTimesOutAndTheConnectionKeepsWorking) {
  ClientOptions options = single_options(server_->port());
  options.command_timeout = 200ms;
  auto client = make_client(std::move(options));
  ASSERT_TRUE(eventually_answers(*client));
  Calls calls(2);
  const auto started = Clock::now();
  // Redis answers after 2 s; the timeout must answer both calls well before, at ~200 ms (the
  // bound leaves a busy machine 1.3 s of slack and is still 500 ms short of the replies).
  client->execute({"DEBUG", "SLEEP", "2"}, "", calls.handler(0));
  client->execute({"INCR", "after-sleep"}, "", calls.handler(1));
  ASSERT_TRUE(calls.wait_all(3s));
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(failure_kind(calls.result(0)), FailureKind::kTimeout) << describe(calls.result(0));
  EXPECT_EQ(failure_kind(calls.result(1)), FailureKind::kTimeout) << describe(calls.result(1));
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
  // The server wakes up, answers both late (dropped), and the same connection serves again:
  // PINGs until it is awake (those sent while it sleeps time out too, their replies dropped).
  ASSERT_TRUE(eventually_answers(*client));
  EXPECT_EQ(expect_integer(call(*client, {"INCR", "after-sleep"})), 2);
  calls.expect_each_answered_once();
}

// BLPOP on an empty list holds this connection: the commands pipelined after it stay in flight
// until we act, which makes "mid-pipeline" deterministic.
void hold_pipeline(RedisClient& client, Calls& calls) {
  client.execute({"BLPOP", "never-filled", "0"}, "", calls.handler(0));
  for (std::size_t i = 1; i < calls.size(); ++i) {
    client.execute({"INCR", "held"}, "", calls.handler(i));
  }
}

void expect_all_failed(Calls& calls, FailureKind kind) {
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(failure_kind(calls.result(i)), kind)
        << "call " << i << ": " << describe(calls.result(i));
  }
}

TEST_F(RedisClientTest, ServerKilledMidLoadFailsInFlightOnceThenReconnects) {
  auto client = make_client();
  ASSERT_TRUE(eventually_answers(*client));
  Calls calls(200);
  hold_pipeline(*client, calls);
  std::this_thread::sleep_for(100ms);  // written to the socket
  server_->kill();
  ASSERT_TRUE(calls.wait_all(3s));
  expect_all_failed(calls, FailureKind::kDisconnected);
  EXPECT_FALSE(client->connected());
  // While it is down, calls fail fast instead of hanging to their deadline.
  const auto started = Clock::now();
  EXPECT_EQ(failure_kind(call(*client, {"PING"})), FailureKind::kDisconnected);
  EXPECT_LT(Clock::now() - started, 1000ms);

  server_->restart();
  ASSERT_TRUE(eventually_answers(*client));
  EXPECT_EQ(expect_integer(call(*client, {"INCR", "held"})), 1);  // fresh, empty server
  EXPECT_TRUE(client->connected());
  calls.expect_each_answered_once();
}

TEST_F(RedisClientTest, ConnectionResetMidPipelineFailsInFlightOnceThenReconnects) {
  auto client = make_client();
  ASSERT_TRUE(eventually_answers(*client));
  Calls calls(200);
  hold_pipeline(*client, calls);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server_->cli({"CLIENT", "KILL", "TYPE", "normal"}), "1");
  ASSERT_TRUE(calls.wait_all(3s));
  expect_all_failed(calls, FailureKind::kDisconnected);
  ASSERT_TRUE(eventually_answers(*client));
  EXPECT_EQ(expect_integer(call(*client, {"INCR", "held"})), 1);  // none of the held ran
  calls.expect_each_answered_once();
}

TEST_F(RedisClientTest, NoScriptIsHandledTransparently) {
  auto client = make_client();
  const LuaScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  // Never loaded on this server: the first EVALSHA gets NOSCRIPT, the client loads and retries.
  EXPECT_EQ(expect_integer(call_eval(*client, script, {"scripted"}, {"5"})), 5);
  EXPECT_EQ(server_->cli({"SCRIPT", "EXISTS", script.sha1()}), "1");
  EXPECT_EQ(expect_integer(call_eval(*client, script, {"scripted"}, {"1"})), 6);
  EXPECT_EQ(server_->cli({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(expect_integer(call_eval(*client, script, {"scripted"}, {"1"})), 7);
  // A script's own error is an error reply, not retried.
  const LuaScript failing("return redis.error_reply('BOOM nope')");
  const Reply error = expect_reply(call_eval(*client, failing, {"k"}));
  EXPECT_EQ(error.type, Reply::Type::kError);
  EXPECT_EQ(error.text, "BOOM nope");
}

TEST_F(RedisClientTest, TooManyInFlightIsOverloadedWithoutSending) {
  ClientOptions options = single_options(server_->port());
  options.max_in_flight = 4;
  options.command_timeout = 5000ms;
  auto client = make_client(std::move(options));
  ASSERT_TRUE(eventually_answers(*client));
  Calls calls(10);
  hold_pipeline(*client, calls);  // BLPOP + 3 INCR accepted and held, 6 refused
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server_->cli({"RPUSH", "never-filled", "x"}), "1");
  ASSERT_TRUE(calls.wait_all(3s));
  int overloaded = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (failure_kind(calls.result(i)) == FailureKind::kOverloaded) ++overloaded;
  }
  EXPECT_EQ(overloaded, 6);
  EXPECT_EQ(expect_reply(calls.result(0)).type, Reply::Type::kArray);  // BLPOP got "x"
  EXPECT_EQ(server_->cli({"GET", "held"}), "3");  // refused calls were never sent
  calls.expect_each_answered_once();
}

TEST_F(RedisClientTest, StopAnswersOutstandingCallsAndLaterCalls) {
  auto client = make_client();
  ASSERT_TRUE(eventually_answers(*client));
  Calls calls(20);
  hold_pipeline(*client, calls);
  std::this_thread::sleep_for(100ms);
  client->stop();
  ASSERT_TRUE(calls.wait_all(1s));
  expect_all_failed(calls, FailureKind::kStopped);
  Calls after(1);
  client->execute({"PING"}, "", after.handler(0));  // answered at once, on this thread
  ASSERT_TRUE(after.wait_all(0ms));
  EXPECT_EQ(failure_kind(after.result(0)), FailureKind::kStopped);
  calls.expect_each_answered_once();
}

TEST_F(RedisClientTest, UnreachableServerFailsFast) {
  const uint16_t port = server_->port();
  server_->kill();
  ClientOptions options = single_options(port);
  options.command_timeout = 300ms;
  auto client = make_client(std::move(options));
  const Result result = call(*client, {"PING"});
  ASSERT_TRUE(failure_kind(result).has_value()) << describe(result);
  EXPECT_FALSE(client->connected());
}

TEST_F(RedisClientTest, AuthenticatesWithPassword) {
  ASSERT_EQ(server_->cli({"CONFIG", "SET", "requirepass", "s3cret pass"}), "OK");
  ClientOptions good = single_options(server_->port());
  good.password = "s3cret pass";
  auto client = make_client(std::move(good));
  EXPECT_TRUE(eventually_answers(*client));

  ClientOptions bad = single_options(server_->port());
  bad.password = "wrong";
  bad.command_timeout = 300ms;
  std::vector<std::string> events;
  std::mutex events_mutex;
  bad.on_event = [&](const std::string& event) {
    std::lock_guard lock(events_mutex);
    events.push_back(event);
  };
  auto rejected = make_client(std::move(bad));
  EXPECT_TRUE(failure_kind(call(*rejected, {"PING"})).has_value());
  EXPECT_FALSE(rejected->connected());
  rejected->stop();
  bool saw_rejection = false;
  for (const auto& event : events) {
    EXPECT_EQ(event.find("wrong"), std::string::npos) << "password in a log line: " << event;
    saw_rejection = saw_rejection || event.find("AUTH rejected") != std::string::npos;
  }
  EXPECT_TRUE(saw_rejection);
}

// --- Cluster -----------------------------------------------------------------------------------

class RedisClusterClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = RedisCluster::start().release(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  std::unique_ptr<RedisClient> make_client() {
    ClientOptions options;
    options.cluster = true;
    options.command_timeout = 2000ms;
    options.seeds = {{"127.0.0.1", cluster_->ports()[1]}};
    auto client = std::make_unique<RedisClient>(std::move(options));
    client->start();
    return client;
  }

  // A hash tag whose slot is owned by `node`.
  static std::string tag_on_node(std::size_t node, const std::string& prefix) {
    for (int i = 0;; ++i) {
      const std::string tag = prefix + std::to_string(i);
      if (cluster_->owner_of(key_slot(tag)) == node) return tag;
    }
  }

  static RedisCluster* cluster_;
};

RedisCluster* RedisClusterClientTest::cluster_ = nullptr;

TEST_F(RedisClusterClientTest, KeysAreRoutedToTheirMasters) {
  auto client = make_client();
  std::vector<int> keys_per_node(3, 0);
  for (int i = 0; i < 60; ++i) {
    const std::string key = "route:" + std::to_string(i);
    ASSERT_EQ(expect_reply(call(*client, {"SET", key, "v" + std::to_string(i)}, key)).text, "OK");
    const int slot = std::stoi(cluster_->node(0).cli({"CLUSTER", "KEYSLOT", key}));
    ASSERT_EQ(slot, key_slot(key));
    const std::size_t owner = cluster_->owner_of(slot);
    ++keys_per_node[owner];
    // Stored on the owner itself (a plain, non-cluster cli would get MOVED anywhere else).
    EXPECT_EQ(cluster_->node(owner).cli({"GET", key}), "v" + std::to_string(i));
    EXPECT_NE(cluster_->node(owner).cli({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}), "0");
  }
  for (int count : keys_per_node) EXPECT_GT(count, 0);
  EXPECT_TRUE(client->connected());
}

TEST_F(RedisClusterClientTest, FollowsMovedAfterASlotMoved) {
  auto client = make_client();
  const std::string key = "{moved}counter";
  ASSERT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 1);
  const int slot = key_slot(key);
  const std::size_t from = cluster_->owner_of(slot);
  const std::size_t to = (from + 1) % 3;
  cluster_->move_slot(slot, to, true);
  ASSERT_EQ(cluster_->owner_of(slot), to);
  // The client still routes to `from`, which answers MOVED; the value moved with the slot.
  EXPECT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 2);
  EXPECT_EQ(cluster_->node(to).cli({"GET", key}), "2");
  EXPECT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 3);
}

TEST_F(RedisClusterClientTest, FollowsAskDuringAMigration) {
  auto client = make_client();
  const std::string key = "{asked}counter";
  ASSERT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 1);
  const int slot = key_slot(key);
  const std::size_t from = cluster_->owner_of(slot);
  const std::size_t to = (from + 2) % 3;
  cluster_->move_slot(slot, to, false);
  // Half-way: `from` still owns the slot but the key lives on `to`, so `from` answers ASK;
  // the target only accepts the command after ASKING.
  EXPECT_EQ(cluster_->owner_of(slot), from);
  EXPECT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 2);
  EXPECT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 3);
  // A new key of the migrating slot is created on the target too.
  const std::string fresh = "{asked}fresh";
  EXPECT_EQ(expect_reply(call(*client, {"SET", fresh, "x"}, fresh)).text, "OK");
  const std::string slot_text = std::to_string(slot);
  EXPECT_EQ(cluster_->node(to).cli({"CLUSTER", "COUNTKEYSINSLOT", slot_text}), "2");
  EXPECT_EQ(cluster_->node(from).cli({"CLUSTER", "COUNTKEYSINSLOT", slot_text}), "0");
  // Finish the migration so later tests see a stable layout.
  cluster_->move_slot(slot, to, true);
  EXPECT_EQ(expect_integer(call(*client, {"INCR", key}, key)), 4);
}

TEST_F(RedisClusterClientTest, EvalWorksOnEveryNode) {
  auto client = make_client();
  const LuaScript script(
      "redis.call('INCRBY', KEYS[1], ARGV[1]) "
      "return redis.call('INCRBY', KEYS[2], ARGV[1]) + tonumber(redis.call('GET', KEYS[1]))");
  for (std::size_t node = 0; node < 3; ++node) {
    const std::string tag = "{" + tag_on_node(node, "tenant") + "}";
    const std::vector<std::string> keys = {"pg:" + tag + ":a", "pg:" + tag + ":b"};
    EXPECT_EQ(expect_integer(call_eval(*client, script, keys, {"2"})), 4) << "node " << node;
    EXPECT_EQ(cluster_->node(node).cli({"SCRIPT", "FLUSH"}), "OK");
    EXPECT_EQ(expect_integer(call_eval(*client, script, keys, {"1"})), 6) << "node " << node;
    EXPECT_EQ(cluster_->node(node).cli({"SCRIPT", "EXISTS", script.sha1()}), "1");
  }
}

TEST_F(RedisClusterClientTest, PipelinedCallsAcrossNodesAreAllAnsweredOnce) {
  auto client = make_client();
  constexpr std::size_t kCount = 3000;
  Calls calls(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    const std::string key = "{spread" + std::to_string(i % 30) + "}n";
    client->execute({"INCR", key}, key, calls.handler(i));
  }
  ASSERT_TRUE(calls.wait_all(20s));
  int64_t total = 0;
  for (int t = 0; t < 30; ++t) {
    const std::string key = "{spread" + std::to_string(t) + "}n";
    total += std::stoll(expect_string(call(*client, {"GET", key}, key)));
  }
  EXPECT_EQ(total, static_cast<int64_t>(kCount));
  calls.expect_each_answered_once();
}

}  // namespace
}  // namespace panguard::agent::redis
