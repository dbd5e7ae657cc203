#include "agent/store/redis/redis_client.h"

#include <boost/asio/post.hpp>
#include <stdexcept>

namespace panguard::agent::redis {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// A redirect chain longer than this is a loop (or a cluster in the middle of chaos): the call
// gets the last redirect error instead of bouncing until its deadline.
constexpr int kMaxRedirects = 5;
// CLUSTER SLOTS at most this often, however many MOVED or lost connections ask for it.
constexpr std::chrono::milliseconds kMinRefreshInterval{100};

Reply error_reply(std::string text) {
  Reply reply;
  reply.type = Reply::Type::kError;
  reply.text = std::move(text);
  return reply;
}

void answer_inline(ResultHandler& done, FailureKind kind, const char* message) {
  if (done) done(Failure{kind, message});
}

}  // namespace

RedisClient::RedisClient(ClientOptions options)
    : options_(std::move(options)),
      work_(asio::make_work_guard(io_)),
      deadline_timer_(io_),
      refresh_timer_(io_),
      refresh_delay_timer_(io_) {
  if (options_.seeds.empty()) throw std::invalid_argument("redis client: no server address");
}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (started_ || stopped_) return;
  started_ = true;
  thread_ = std::thread([this] { io_.run(); });
}

void RedisClient::stop() {
  if (thread_.joinable() && std::this_thread::get_id() == thread_.get_id()) {
    throw std::logic_error("RedisClient::stop() called from a result handler");
  }
  std::lock_guard lock(lifecycle_mutex_);
  if (stopped_.exchange(true)) return;
  // Calls that passed their stopped_ check must be posted before shutdown, so shutdown (or
  // submit() after it) answers them; later calls are answered by execute() itself.
  while (posting_.load() > 0) std::this_thread::yield();
  asio::post(io_, [this] { shutdown(); });
  if (thread_.joinable()) {
    thread_.join();
  } else {
    io_.run();  // never started: answer what was queued, here
  }
}

bool RedisClient::connected() const { return connected_.load(); }

void RedisClient::execute(std::vector<std::string> argv, std::string routing_key,
                          ResultHandler done) {
  auto request = std::make_shared<Request>();
  request->argv = std::move(argv);
  request->slot = options_.cluster ? key_slot(routing_key) : 0;
  request->done = std::move(done);
  post_request(std::move(request));
}

void RedisClient::eval(const LuaScript& script, std::vector<std::string> keys,
                       std::vector<std::string> args, ResultHandler done) {
  auto request = std::make_shared<Request>();
  {
    std::lock_guard lock(scripts_mutex_);
    auto& source = scripts_[script.sha1()];
    if (!source) source = std::make_shared<const std::string>(script.source());
    request->script_source = source;
  }
  request->slot = options_.cluster && !keys.empty() ? key_slot(keys.front()) : 0;
  request->argv.reserve(3 + keys.size() + args.size());
  request->argv.push_back("EVALSHA");
  request->argv.push_back(script.sha1());
  request->argv.push_back(std::to_string(keys.size()));
  for (auto& key : keys) request->argv.push_back(std::move(key));
  for (auto& arg : args) request->argv.push_back(std::move(arg));
  request->done = std::move(done);
  post_request(std::move(request));
}

void RedisClient::post_request(RequestPtr request) {
  posting_.fetch_add(1);
  if (stopped_.load()) {
    posting_.fetch_sub(1);
    answer_inline(request->done, FailureKind::kStopped, "redis client stopped");
    return;
  }
  asio::post(io_, [this, request = std::move(request)] { submit(request); });
  posting_.fetch_sub(1);
}

void RedisClient::submit(const RequestPtr& request) {
  if (stopping_) {
    answer_inline(request->done, FailureKind::kStopped, "redis client stopped");
    return;
  }
  if (in_flight_ >= options_.max_in_flight) {
    answer_inline(request->done, FailureKind::kOverloaded, "too many redis calls in flight");
    return;
  }
  ++in_flight_;
  request->deadline = Clock::now() + options_.command_timeout;
  deadlines_.push_back(request);
  if (!deadline_timer_armed_) arm_deadline_timer();
  dispatch(request);
}

void RedisClient::dispatch(const RequestPtr& request) {
  if (!options_.cluster) {
    const auto& [host, port] = options_.seeds.front();
    send_to(connection_for(NodeAddress{host, port}), request, false);
    return;
  }
  const NodeAddress* owner = slots_.owner(request->slot);
  if (owner == nullptr) {
    awaiting_slots_.push_back(request);
    refresh_slots();
    return;
  }
  send_to(connection_for(*owner), request, false);
}

void RedisClient::send_to(const ConnectionPtr& connection, const RequestPtr& request, bool asking) {
  // ASKING applies to the next command on that connection only; pipelining keeps them adjacent.
  if (asking) connection->send({"ASKING"}, [](Result) {});
  connection->send(request->argv,
                   [this, request, weak = std::weak_ptr(connection), asking](Result result) {
                     on_result(request, weak, asking, std::move(result));
                   });
}

void RedisClient::on_result(const RequestPtr& request,
                            const std::weak_ptr<RedisConnection>& connection, bool asking,
                            Result result) {
  if (request->answered) return;  // timed out (or stopped) already: the late reply is dropped
  if (const auto* failure = std::get_if<Failure>(&result)) {
    if (failure->kind == FailureKind::kDisconnected) {
      connected_ = false;
      if (options_.cluster) refresh_slots();  // the node may be gone or replaced
    }
    answer(request, std::move(result));
    return;
  }
  connected_ = true;
  const Reply& reply = std::get<Reply>(result);
  if (reply.type == Reply::Type::kError) {
    if (options_.cluster) {
      if (const auto redirect = parse_redirect(reply.text)) {
        follow_redirect(request, *redirect, reply.text);
        return;
      }
    }
    if (request->script_source && !request->script_loaded && reply.text.starts_with("NOSCRIPT")) {
      // The node forgot the script (restart, failover, SCRIPT FLUSH): load it there and retry
      // once. A failing SCRIPT LOAD shows up as the retry's error.
      request->script_loaded = true;
      const auto node = connection.lock();
      if (!node) {
        answer(request, Failure{FailureKind::kDisconnected, "redis connection closed"});
        return;
      }
      node->send({"SCRIPT", "LOAD", *request->script_source}, [](Result) {});
      send_to(node, request, asking);
      return;
    }
  }
  answer(request, std::move(result));
}

void RedisClient::follow_redirect(const RequestPtr& request, const Redirect& redirect,
                                  const std::string& error) {
  if (++request->redirects > kMaxRedirects) {
    answer(request, error_reply("too many cluster redirects, last: " + error));
    return;
  }
  if (redirect.kind == Redirect::Kind::kMoved) {
    // The slot has a new owner for good: use it now, and learn the rest of the new layout.
    slots_.set(redirect.slot, redirect.target);
    refresh_slots();
    send_to(connection_for(redirect.target), request, false);
  } else {
    // ASK: this one command goes to the importing node; the slot map stays as it is.
    send_to(connection_for(redirect.target), request, true);
  }
}

void RedisClient::answer(const RequestPtr& request, Result result) {
  if (request->answered) return;
  request->answered = true;
  --in_flight_;
  ResultHandler done = std::move(request->done);
  request->argv.clear();  // the request may wait in deadlines_ a while: keep it small
  request->script_source.reset();
  if (!done) return;
  try {
    done(std::move(result));
  } catch (...) {
    emit("redis: a result handler threw; ignored");
  }
}

void RedisClient::arm_deadline_timer() {
  deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadlines_.front()->deadline);
  deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
    deadline_timer_armed_ = false;
    if (ec || stopping_) return;
    expire_deadlines();
  });
}

void RedisClient::expire_deadlines() {
  const auto now = Clock::now();
  while (!deadlines_.empty() &&
         (deadlines_.front()->answered || deadlines_.front()->deadline <= now)) {
    const RequestPtr request = std::move(deadlines_.front());
    deadlines_.pop_front();
    answer(request, Failure{FailureKind::kTimeout, "redis command timed out"});
  }
  if (!deadlines_.empty() && !deadline_timer_armed_) arm_deadline_timer();
}

RedisClient::ConnectionPtr RedisClient::connection_for(const NodeAddress& address) {
  const std::string name = address.to_string();
  auto found = connections_.find(name);
  if (found != connections_.end()) return found->second;
  ConnectionOptions connection_options;
  connection_options.host = address.host;
  connection_options.port = address.port;
  connection_options.connect_timeout = options_.connect_timeout;
  connection_options.backoff_min = options_.backoff_min;
  connection_options.backoff_max = options_.backoff_max;
  connection_options.username = options_.username;
  connection_options.password = options_.password;
  auto connection = RedisConnection::create(io_, std::move(connection_options),
                                            [this, address](bool ready, const std::string& detail) {
                                              on_connection_state(address, ready, detail);
                                            });
  connections_.emplace(name, connection);
  connection->start();
  return connection;
}

void RedisClient::on_connection_state(const NodeAddress& address, bool ready,
                                      const std::string& detail) {
  if (stopping_) return;
  emit("redis: " + detail);
  if (ready) {
    if (!options_.cluster || !slots_.empty()) connected_ = true;
    return;
  }
  if (!options_.cluster) {
    connected_ = false;
    return;
  }
  for (const NodeAddress& master : slots_.masters()) {
    if (master == address) {
      refresh_slots();  // a master went away: failover or resharding may have moved its slots
      return;
    }
  }
}

void RedisClient::refresh_slots() {
  if (!options_.cluster || stopping_) return;
  if (refreshing_) {
    refresh_again_ = true;
    return;
  }
  if (refresh_scheduled_) return;
  const auto since_last = Clock::now() - last_refresh_;
  if (since_last < kMinRefreshInterval) {
    schedule_refresh(
        std::chrono::duration_cast<std::chrono::milliseconds>(kMinRefreshInterval - since_last));
    return;
  }
  refreshing_ = true;
  refresh_again_ = false;
  last_refresh_ = Clock::now();
  // Known masters first (they are connected), then the configured seeds.
  std::vector<NodeAddress> candidates = slots_.masters();
  for (const auto& [host, port] : options_.seeds) {
    NodeAddress seed{host, port};
    if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) {
      candidates.push_back(std::move(seed));
    }
  }
  try_refresh(std::move(candidates), 0);
}

void RedisClient::schedule_refresh(std::chrono::milliseconds delay) {
  refresh_scheduled_ = true;
  refresh_delay_timer_.expires_after(delay);
  refresh_delay_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    refresh_scheduled_ = false;
    refresh_slots();
  });
}

void RedisClient::try_refresh(std::vector<NodeAddress> candidates, std::size_t index) {
  if (stopping_) return;
  if (index >= candidates.size()) {
    refresh_failed();
    return;
  }
  const uint64_t attempt = ++refresh_attempt_;
  const NodeAddress node = candidates[index];
  auto connection = connection_for(node);
  refresh_timer_.expires_after(options_.connect_timeout + options_.command_timeout);
  refresh_timer_.async_wait(
      [this, candidates, index, attempt](const boost::system::error_code& ec) {
        if (ec || stopping_ || attempt != refresh_attempt_) return;
        try_refresh(candidates, index + 1);
      });
  connection->send({"CLUSTER", "SLOTS"}, [this, candidates = std::move(candidates), index, attempt,
                                          host = node.host](Result result) {
    if (stopping_ || attempt != refresh_attempt_) return;
    const auto* reply = std::get_if<Reply>(&result);
    const auto ranges = reply != nullptr ? parse_cluster_slots(*reply, host) : std::nullopt;
    if (!ranges || ranges->empty()) {
      try_refresh(candidates, index + 1);
      return;
    }
    ++refresh_attempt_;  // the attempt timer must not fire into the next one
    refresh_timer_.cancel();
    apply_slots(*ranges);
  });
}

void RedisClient::apply_slots(const std::vector<SlotRange>& ranges) {
  refreshing_ = false;
  refresh_failures_ = 0;
  slots_.assign(ranges);
  const std::vector<NodeAddress> masters = slots_.masters();
  for (const NodeAddress& master : masters) connection_for(master);
  // Nodes that serve no slot any more (old seeds, ASK targets, removed masters): close them.
  for (auto it = connections_.begin(); it != connections_.end();) {
    const NodeAddress& address =
        it->second->options().host.empty()
            ? NodeAddress{}
            : NodeAddress{it->second->options().host, it->second->options().port};
    if (std::find(masters.begin(), masters.end(), address) == masters.end()) {
      it->second->close();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
  connected_ = true;
  std::vector<RequestPtr> waiting;
  waiting.swap(awaiting_slots_);
  for (const RequestPtr& request : waiting) {
    if (!request->answered) dispatch(request);
  }
  if (refresh_again_) refresh_slots();
}

void RedisClient::refresh_failed() {
  refreshing_ = false;
  ++refresh_failures_;
  connected_ = false;
  if ((refresh_failures_ & (refresh_failures_ - 1)) == 0) {
    emit("redis: no cluster node answered CLUSTER SLOTS");
  }
  std::vector<RequestPtr> waiting;
  waiting.swap(awaiting_slots_);
  for (const RequestPtr& request : waiting) {
    answer(request, Failure{FailureKind::kDisconnected, "redis cluster layout unknown"});
  }
  // With no layout at all nothing else would ask again: retry by ourselves.
  if (slots_.empty() || refresh_again_) {
    schedule_refresh(
        backoff_delay(refresh_failures_ - 1, options_.backoff_min, options_.backoff_max, rng_));
  }
}

void RedisClient::shutdown() {
  stopping_ = true;
  deadline_timer_.cancel();
  refresh_timer_.cancel();
  refresh_delay_timer_.cancel();
  for (const RequestPtr& request : deadlines_) {
    answer(request, Failure{FailureKind::kStopped, "redis client stopped"});
  }
  deadlines_.clear();
  awaiting_slots_.clear();
  for (auto& [name, connection] : connections_) connection->close();
  connections_.clear();
  connected_ = false;
  work_.reset();  // io_.run() returns once the results posted by close() have run
}

void RedisClient::emit(const std::string& event) const {
  if (options_.on_event) options_.on_event(event);
}

}  // namespace panguard::agent::redis
