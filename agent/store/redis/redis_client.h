// The Executor over real Redis: one server, or a Redis Cluster (slot map from CLUSTER SLOTS,
// one connection per master, MOVED/ASK followed). It owns an io_context and one thread; every
// hiredis call, every timer and every result handler runs on that thread. execute()/eval() may
// be called from any thread: they post to it.
//
// Every call is answered exactly once: the reply (error replies included), or a Failure:
// kTimeout at the command deadline (a late reply is dropped), kDisconnected, kOverloaded
// (more than max_in_flight calls unanswered), kStopped (after stop()).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/store/redis/cluster_slots.h"
#include "agent/store/redis/redis_connection.h"
#include "agent/store/redis/redis_executor.h"

namespace panguard::agent::redis {

struct ClientOptions {
  // Single mode: the first seed is the server. Cluster mode: any reachable seed is asked for
  // CLUSTER SLOTS; the masters it lists are then used directly.
  std::vector<std::pair<std::string, uint16_t>> seeds;
  bool cluster = false;
  std::chrono::milliseconds connect_timeout{500};  // TCP connect + AUTH + PING
  std::chrono::milliseconds command_timeout{250};  // from the call to its answer, redirects incl.
  std::chrono::milliseconds backoff_min{50};       // reconnect delay, doubling up to backoff_max
  std::chrono::milliseconds backoff_max{2000};
  std::size_t max_in_flight = 100000;  // unanswered calls, all nodes together
  std::string username;                // AUTH when password is set
  std::string password;
  // Connection events for logs ("connected to host:port", "host:port: connection lost ...").
  // Never contains keys, values or the password. Runs on the client thread; may be empty.
  std::function<void(const std::string&)> on_event;
};

class RedisClient : public Executor {
 public:
  // Throws std::invalid_argument without seeds.
  explicit RedisClient(ClientOptions options);
  ~RedisClient() override;  // stop()
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Starts the client thread; connections are made in the background (calls made before the
  // first connection is ready wait for it, within their timeout). Calls made before start()
  // are queued and run once it is called.
  void start();
  // Answers every outstanding call with kStopped, closes the connections, joins the thread.
  // Idempotent. Must not be called from a result handler (throws std::logic_error). Calls made
  // after stop() are answered kStopped at once, on the calling thread.
  void stop();

  void execute(std::vector<std::string> argv, std::string routing_key, ResultHandler done) override;
  void eval(const LuaScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            ResultHandler done) override;
  bool connected() const override;

 private:
  struct Request {
    std::vector<std::string> argv;
    int slot = 0;
    std::shared_ptr<const std::string> script_source;  // eval: for SCRIPT LOAD on NOSCRIPT
    ResultHandler done;
    std::chrono::steady_clock::time_point deadline;
    int redirects = 0;
    bool script_loaded = false;
    bool answered = false;
  };
  using RequestPtr = std::shared_ptr<Request>;
  using ConnectionPtr = std::shared_ptr<RedisConnection>;

  void post_request(RequestPtr request);  // any thread
  // Everything below runs on the client thread.
  void submit(const RequestPtr& request);
  void dispatch(const RequestPtr& request);
  void send_to(const ConnectionPtr& connection, const RequestPtr& request, bool asking);
  void on_result(const RequestPtr& request, const std::weak_ptr<RedisConnection>& connection,
                 bool asking, Result result);
  void follow_redirect(const RequestPtr& request, const Redirect& redirect,
                       const std::string& error);
  void answer(const RequestPtr& request, Result result);
  void arm_deadline_timer();
  void expire_deadlines();

  ConnectionPtr connection_for(const NodeAddress& address);
  void on_connection_state(const NodeAddress& address, bool ready, const std::string& detail);
  void refresh_slots();
  void try_refresh(std::vector<NodeAddress> candidates, std::size_t index);
  void apply_slots(const std::vector<SlotRange>& ranges);
  void refresh_failed();
  void schedule_refresh(std::chrono::milliseconds delay);
  void shutdown();
  void emit(const std::string& event) const;

  const ClientOptions options_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::mutex lifecycle_mutex_;  // start() / stop()
  bool started_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<int> posting_{0};  // callers between their stopped_ check and their post
  std::atomic<bool> connected_{false};

  std::mutex scripts_mutex_;  // sha1 -> source, so eval() copies a script's source only once
  std::unordered_map<std::string, std::shared_ptr<const std::string>> scripts_;

  // Client thread only.
  bool stopping_ = false;
  std::size_t in_flight_ = 0;
  std::deque<RequestPtr> deadlines_;  // submission order == deadline order
  boost::asio::steady_timer deadline_timer_;
  bool deadline_timer_armed_ = false;
  std::unordered_map<std::string, ConnectionPtr> connections_;  // by host:port
  SlotMap slots_;
  std::vector<RequestPtr> awaiting_slots_;  // cluster: slot owner unknown until the refresh
  bool refreshing_ = false;
  bool refresh_again_ = false;
  bool refresh_scheduled_ = false;
  uint64_t refresh_attempt_ = 0;
  unsigned refresh_failures_ = 0;
  std::chrono::steady_clock::time_point last_refresh_{};
  boost::asio::steady_timer refresh_timer_;        // one CLUSTER SLOTS attempt's timeout
  boost::asio::steady_timer refresh_delay_timer_;  // rate limit and retry backoff
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace panguard::agent::redis
