// One connection to one Redis server (host:port), kept up by itself: async connect with a
// timeout, optional AUTH, a readiness PING, then commands pipelined through hiredis (each is
// written as soon as it is sent, never waiting for earlier replies). When the connection drops,
// every command still waiting for a reply fails with kDisconnected, and it reconnects after an
// exponential backoff with jitter. Per-command deadlines belong to the caller (RedisClient):
// a connection answers each command exactly once, with the reply or with kDisconnected.
//
// Not thread-safe: create, use and destroy it on the thread that runs `io`. Results are always
// delivered through io.post(), never from inside hiredis or inside send(), so a handler may
// send again, or close this connection, without re-entering hiredis.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent/store/redis/redis_reply.h"

struct redisAsyncContext;

namespace panguard::agent::redis {

struct ConnectionOptions {
  std::string host;
  uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{500};  // TCP connect + AUTH + PING
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  std::string username;  // AUTH username password (Redis 6 ACL) when set
  std::string password;  // AUTH password when set; never logged
};

// Delay before reconnect attempt number `attempt` (0 = first retry): the exponential step
// min * 2^attempt capped at max, then "equal jitter" (uniform in [step/2, step]) so agents that
// lost the same server do not all come back in the same millisecond.
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min,
                                        std::chrono::milliseconds max, std::mt19937_64& rng);

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Handler = std::function<void(Result)>;
  // Called (posted) on every transition: true when ready, false when a ready connection was
  // lost or an attempt to become ready failed. `detail` is for logs: no secrets, no keys.
  using StateHandler = std::function<void(bool ready, const std::string& detail)>;

  static std::shared_ptr<RedisConnection> create(boost::asio::io_context& io,
                                                 ConnectionOptions options, StateHandler on_state);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  void start();  // first connection attempt, now
  // Frees the hiredis context now and never reconnects: commands waiting for a reply, and
  // commands queued for the handshake, get kDisconnected (the owner may retry elsewhere).
  void close();

  // Ready: written to the socket now. Connecting: queued until the handshake ends (then written,
  // or failed with kDisconnected). Waiting to reconnect or closed: fails with kDisconnected.
  void send(std::vector<std::string> argv, Handler done);

  bool ready() const { return state_ == State::kReady; }
  const ConnectionOptions& options() const { return options_; }

 private:
  enum class State { kIdle, kConnecting, kHandshaking, kReady, kClosed };
  struct Queued {
    std::vector<std::string> argv;
    Handler done;
  };

  RedisConnection(boost::asio::io_context& io, ConnectionOptions options, StateHandler on_state);

  void connect();
  void begin_handshake(uint64_t generation);
  void become_ready(uint64_t generation);
  // The current attempt or connection is over (failed, lost, timed out): drop the context if we
  // still hold it, fail what waits, tell the owner, schedule the next attempt.
  void handle_down(uint64_t generation, const std::string& detail);
  void schedule_reconnect();
  void drop_context();
  void fail_queued(FailureKind kind, const std::string& message);
  bool write(const std::vector<std::string>& argv, Handler done);
  void post_result(Handler done, Result result);
  std::string where() const;

  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);

  boost::asio::io_context& io_;
  ConnectionOptions options_;
  StateHandler on_state_;
  boost::asio::steady_timer timer_;  // connect timeout, or the wait before reconnecting
  std::mt19937_64 rng_;
  redisAsyncContext* context_ = nullptr;
  State state_ = State::kIdle;
  uint64_t generation_ = 0;  // one per attempt: stale callbacks compare and do nothing
  unsigned failed_attempts_ = 0;
  std::deque<Queued> queued_;  // sent while connecting
};

}  // namespace panguard::agent::redis
