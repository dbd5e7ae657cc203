#include "agent/store/redis/redis_connection.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "agent/store/redis/hiredis_asio.h"

namespace panguard::agent::redis {
namespace {

namespace asio = boost::asio;

constexpr int kKeepAliveSeconds = 15;

// A server that vanished without a FIN/RST (host down, partition) is noticed by TCP keepalive
// instead of never. hiredis 0.14 does not install redisKeepAlive's header, so set it here.
void enable_keepalive(int fd) {
  const int on = 1;
  const int idle = kKeepAliveSeconds;
  const int interval = kKeepAliveSeconds / 3;
  const int count = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// Deep copy: hiredis frees its reply as soon as the callback returns.
Reply to_reply(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::kString;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::kStatus;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::kError;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::kInteger;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::kArray;
      reply.elements.reserve(raw.elements);
      for (std::size_t i = 0; i < raw.elements; ++i)
        reply.elements.push_back(to_reply(*raw.element[i]));
      break;
    default:
      reply.type = Reply::Type::kNil;
      break;
  }
  return reply;
}

// The privdata of one command in hiredis's callback list. hiredis calls back exactly once per
// accepted command: with the reply, or with nullptr when the context goes away first.
struct PendingCommand {
  asio::io_context* io;
  RedisConnection::Handler done;
};

void on_command_reply(redisAsyncContext*, void* raw_reply, void* privdata) {
  std::unique_ptr<PendingCommand> pending(static_cast<PendingCommand*>(privdata));
  Result result = raw_reply != nullptr
                      ? Result(to_reply(*static_cast<redisReply*>(raw_reply)))
                      : Result(Failure{FailureKind::kDisconnected, "connection lost"});
  asio::post(*pending->io, [done = std::move(pending->done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min,
                                        std::chrono::milliseconds max, std::mt19937_64& rng) {
  if (min.count() <= 0) return std::chrono::milliseconds(0);
  int64_t step = min.count();
  for (unsigned i = 0; i < attempt && step < max.count(); ++i) step *= 2;
  step = std::min<int64_t>(step, std::max(max.count(), min.count()));
  std::uniform_int_distribution<int64_t> jitter(step / 2, step);
  return std::chrono::milliseconds(jitter(rng));
}

std::shared_ptr<RedisConnection> RedisConnection::create(asio::io_context& io,
                                                         ConnectionOptions options,
                                                         StateHandler on_state) {
  return std::shared_ptr<RedisConnection>(
      new RedisConnection(io, std::move(options), std::move(on_state)));
}

RedisConnection::RedisConnection(asio::io_context& io, ConnectionOptions options,
                                 StateHandler on_state)
    : io_(io),
      options_(std::move(options)),
      on_state_(std::move(on_state)),
      timer_(io),
      rng_(std::random_device{}()) {}

RedisConnection::~RedisConnection() { close(); }

std::string RedisConnection::where() const {
  return options_.host + ":" + std::to_string(options_.port);
}

void RedisConnection::start() {
  if (state_ == State::kIdle) connect();
}

void RedisConnection::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  ++generation_;
  timer_.cancel();
  drop_context();
  fail_queued(FailureKind::kDisconnected, "connection closed");
}

void RedisConnection::connect() {
  state_ = State::kConnecting;
  const uint64_t generation = ++generation_;
  redisAsyncContext* context = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (context == nullptr || context->err != 0) {
    const std::string detail = context != nullptr ? context->errstr : "out of memory";
    if (context != nullptr) redisAsyncFree(context);
    asio::post(io_, [weak = weak_from_this(), generation, detail] {
      if (auto self = weak.lock()) self->handle_down(generation, "connect failed: " + detail);
    });
    return;
  }
  context_ = context;
  context->data = this;
  enable_keepalive(context->c.fd);
  attach_to_asio(io_, context);
  redisAsyncSetConnectCallback(context, &RedisConnection::on_connect);
  redisAsyncSetDisconnectCallback(context, &RedisConnection::on_disconnect);
  timer_.expires_after(options_.connect_timeout);
  timer_.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->handle_down(generation, "connect timed out");
  });
}

void RedisConnection::on_connect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (self == nullptr) return;
  const uint64_t generation = self->generation_;
  if (status != REDIS_OK) {
    // hiredis frees the context right after this callback.
    self->context_ = nullptr;
    const std::string detail = context->errstr != nullptr ? context->errstr : "error";
    asio::post(self->io_, [weak = self->weak_from_this(), generation, detail] {
      if (auto strong = weak.lock()) strong->handle_down(generation, "connect failed: " + detail);
    });
    return;
  }
  asio::post(self->io_, [weak = self->weak_from_this(), generation] {
    if (auto strong = weak.lock()) strong->begin_handshake(generation);
  });
}

void RedisConnection::on_disconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (self == nullptr) return;  // we dropped it ourselves
  self->context_ = nullptr;     // hiredis frees it right after this callback
  const std::string detail = status == REDIS_OK || context->errstr == nullptr
                                 ? std::string("closed by server")
                                 : std::string("connection lost: ") + context->errstr;
  asio::post(self->io_, [weak = self->weak_from_this(), generation = self->generation_, detail] {
    if (auto strong = weak.lock()) strong->handle_down(generation, detail);
  });
}

void RedisConnection::begin_handshake(uint64_t generation) {
  if (generation != generation_ || state_ != State::kConnecting) return;
  state_ = State::kHandshaking;
  auto weak = weak_from_this();
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!options_.username.empty()) auth.push_back(options_.username);
    auth.push_back(options_.password);
    const bool written = write(auth, [weak, generation](Result result) {
      auto self = weak.lock();
      const auto* reply = std::get_if<Reply>(&result);
      if (self && reply != nullptr && reply->type == Reply::Type::kError) {
        self->handle_down(generation, "AUTH rejected");  // the server's text may echo the user
      }
    });
    if (!written) return;
  }
  write({"PING"}, [weak, generation](Result result) {
    auto self = weak.lock();
    if (!self) return;
    const auto* reply = std::get_if<Reply>(&result);
    if (reply == nullptr) return;  // the disconnect is handled by on_disconnect
    if (reply->type == Reply::Type::kStatus && reply->text == "PONG") {
      self->become_ready(generation);
    } else {
      self->handle_down(generation, "not ready: " + reply->text.substr(0, 64));
    }
  });
}

void RedisConnection::become_ready(uint64_t generation) {
  if (generation != generation_ || state_ != State::kHandshaking) return;
  timer_.cancel();
  state_ = State::kReady;
  failed_attempts_ = 0;
  while (!queued_.empty()) {
    Queued queued = std::move(queued_.front());
    queued_.pop_front();
    write(queued.argv, std::move(queued.done));
  }
  asio::post(
      io_, [on_state = on_state_, detail = "connected to " + where()] { on_state(true, detail); });
}

void RedisConnection::handle_down(uint64_t generation, const std::string& detail) {
  if (generation != generation_ || state_ == State::kClosed || state_ == State::kIdle) return;
  const bool was_ready = state_ == State::kReady;
  ++generation_;
  timer_.cancel();
  drop_context();
  fail_queued(FailureKind::kDisconnected, detail);
  state_ = State::kIdle;
  failed_attempts_ = was_ready ? 0 : failed_attempts_ + 1;
  // Tell the owner about a lost connection, and about failed attempts sparsely (1st, 2nd,
  // 4th, 8th...) so a server that stays down does not flood it.
  const bool report = was_ready || (failed_attempts_ & (failed_attempts_ - 1)) == 0;
  if (report) {
    asio::post(io_, [on_state = on_state_, message = where() + ": " + detail] {
      on_state(false, message);
    });
  }
  schedule_reconnect();
}

void RedisConnection::schedule_reconnect() {
  const unsigned attempt = failed_attempts_ == 0 ? 0 : failed_attempts_ - 1;
  timer_.expires_after(backoff_delay(attempt, options_.backoff_min, options_.backoff_max, rng_));
  timer_.async_wait(
      [weak = weak_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (ec) return;
        auto self = weak.lock();
        if (self && self->generation_ == generation && self->state_ == State::kIdle) {
          self->connect();
        }
      });
}

void RedisConnection::drop_context() {
  if (context_ == nullptr) return;
  redisAsyncContext* context = context_;
  context_ = nullptr;
  context->data = nullptr;  // its disconnect callback must not reach us
  redisAsyncFree(context);  // replies still awaited are answered kDisconnected (posted)
}

void RedisConnection::fail_queued(FailureKind kind, const std::string& message) {
  while (!queued_.empty()) {
    post_result(std::move(queued_.front().done), Failure{kind, message});
    queued_.pop_front();
  }
}

void RedisConnection::send(std::vector<std::string> argv, Handler done) {
  switch (state_) {
    case State::kReady:
      write(argv, std::move(done));
      return;
    case State::kConnecting:
    case State::kHandshaking:
      queued_.push_back(Queued{std::move(argv), std::move(done)});
      return;
    case State::kIdle:
    case State::kClosed:
      post_result(std::move(done),
                  Failure{FailureKind::kDisconnected, "not connected to " + where()});
      return;
  }
}

bool RedisConnection::write(const std::vector<std::string>& argv, Handler done) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const std::string& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* pending = new PendingCommand{&io_, std::move(done)};
  const int status =
      context_ == nullptr
          ? REDIS_ERR
          : redisAsyncCommandArgv(context_, &on_command_reply, pending,
                                  static_cast<int>(argv.size()), pointers.data(), lengths.data());
  if (status != REDIS_OK) {
    Handler failed = std::move(pending->done);
    delete pending;
    post_result(std::move(failed),
                Failure{FailureKind::kDisconnected, "not connected to " + where()});
    return false;
  }
  return true;
}

void RedisConnection::post_result(Handler done, Result result) {
  asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace panguard::agent::redis
