#include "alerts/nats/nats_sink.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "alerts/nats/nats_subject.h"
#include "alerts/webhook/retry_policy.h"

namespace panguard::alerts {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kStreamSubjects = "panguard.>";
constexpr std::size_t kPublishBatch = 256;

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("nats: " + message);
}

std::string read_secret_file(const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), key + " " + path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  require(!secret.empty(), key + " " + path + ": empty");
  return secret;
}

void validate(const NatsOptions& o) {
  require(!o.servers.empty(), "at least one server is required");
  for (const auto& server : o.servers) {
    const bool scheme = server.rfind("nats://", 0) == 0 || server.rfind("tls://", 0) == 0;
    require(scheme && server.find_first_of(" \t\r\n,") == std::string::npos,
            "server \"" + server + "\" must be a nats://host:port or tls://host:port URL");
  }
  const int methods = static_cast<int>(!o.credentials_file.empty()) +
                      static_cast<int>(!o.user.empty() || !o.password_file.empty()) +
                      static_cast<int>(!o.token_file.empty());
  require(methods <= 1, "credentials_file, user/password_file and token_file are exclusive");
  require(o.user.empty() == o.password_file.empty(), "user and password_file go together");
  require(!o.stream.empty() && o.stream.find_first_of(" \t.*>/\\") == std::string::npos,
          "stream must be a non-empty name without spaces, '.', '*', '>', '/' or '\\'");
  require(o.duplicate_window.count() > 0, "duplicate_window_ms must be positive");
  require(o.queue_size >= 1 && o.queue_size <= 10'000'000, "queue_size must be 1..10000000");
  require(o.max_in_flight >= 1 && o.max_in_flight <= 1'000'000, "max_in_flight must be 1..1000000");
  require(o.ack_timeout.count() > 0, "ack_timeout_ms must be positive");
  require(o.reconnect_wait.count() > 0, "reconnect_wait must be positive");
  require(o.backoff_min.count() > 0 && o.backoff_max >= o.backoff_min,
          "backoff_min must be positive and not above backoff_max");
  require(o.reconnect_buffer_bytes <= (1ull << 30), "reconnect_buffer_bytes must be <= 1 GiB");
}

std::string status_text(natsStatus s) { return natsStatus_GetText(s); }

struct Item {
  std::string subject;
  std::string id;
  std::string body;
  unsigned attempts = 0;
};

}  // namespace

struct NatsSink::Impl {
  explicit Impl(NatsOptions opts);
  ~Impl();

  void connect();
  void run();  // publisher thread
  bool ensure_stream(std::string& error);
  void publish_batch(std::vector<Item> batch);
  void schedule_retry(Item item);  // mutex held
  void on_ack(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae);
  void platform_event(const char* rule, std::string reason);
  bool wait_for(std::chrono::milliseconds delay);  // false when aborted

  static void ack_cb(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    static_cast<Impl*>(closure)->on_ack(msg, pa, pae);
    natsMsg_Destroy(msg);
  }
  static void disconnected_cb(natsConnection*, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    if (self->closing.load()) return;
    ++self->disconnects;
    self->platform_event("nats_disconnected", "connection to the NATS servers lost; reconnecting");
  }
  static void reconnected_cb(natsConnection*, void* closure) {
    ++static_cast<Impl*>(closure)->reconnects;
  }
  static void closed_cb(natsConnection*, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    std::lock_guard lock(self->mutex);
    self->closed = true;
    self->cv.notify_all();
  }

  const NatsOptions options;
  std::string password;
  std::string token;

  natsOptions* nopts = nullptr;
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::deque<Item> queue;
  std::multimap<Clock::time_point, Item> retry;
  std::unordered_map<natsMsg*, Item> in_flight;
  std::size_t reserved = 0;  // taken from queue/retry, not yet in in_flight
  bool publisher_waiting = false;
  bool stopping = false;   // drain then exit
  bool abort_now = false;  // exit at once
  bool closed = false;
  std::mt19937_64 rng{std::random_device{}()};

  std::thread thread;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> accepting{true};
  std::atomic<bool> closing{false};
  std::atomic<bool> queue_full_reported{false};
  std::atomic<bool> failing_reported{false};
  std::atomic<uint64_t> accepted{0}, dropped_full{0}, dropped_invalid{0}, dropped_stopped{0},
      published{0}, acked{0}, duplicates{0}, retries{0}, disconnects{0}, reconnects{0},
      abandoned{0};
};

NatsSink::Impl::Impl(NatsOptions opts) : options(std::move(opts)) {
  validate(options);
  if (!options.password_file.empty()) {
    password = read_secret_file("password_file", options.password_file);
  }
  if (!options.token_file.empty()) token = read_secret_file("token_file", options.token_file);
}

NatsSink::Impl::~Impl() {
  if (js != nullptr) jsCtx_Destroy(js);
  if (conn != nullptr) natsConnection_Destroy(conn);
  if (nopts != nullptr) natsOptions_Destroy(nopts);
}

void NatsSink::Impl::platform_event(const char* rule, std::string reason) {
  if (options.on_platform_event) options.on_platform_event(rule, std::move(reason));
}

void NatsSink::Impl::connect() {
  auto check = [](natsStatus s, const char* what) {
    if (s != NATS_OK) {
      throw std::invalid_argument(std::string("nats: ") + what + ": " + status_text(s));
    }
  };
  check(natsOptions_Create(&nopts), "options");
  std::vector<const char*> urls;
  for (const auto& server : options.servers) urls.push_back(server.c_str());
  check(natsOptions_SetServers(nopts, urls.data(), static_cast<int>(urls.size())), "servers");
  check(natsOptions_SetName(nopts, "panguard-alerts"), "name");
  check(natsOptions_SetMaxReconnect(nopts, -1), "max reconnect");
  check(natsOptions_SetReconnectWait(nopts, options.reconnect_wait.count()), "reconnect wait");
  check(natsOptions_SetReconnectJitter(nopts, 100, 1000), "reconnect jitter");
  const std::size_t buffer = options.reconnect_buffer_bytes != 0
                                 ? options.reconnect_buffer_bytes
                                 : std::min<std::size_t>(options.max_in_flight * 2048, 1u << 30);
  check(natsOptions_SetReconnectBufSize(nopts, static_cast<int>(buffer)), "reconnect buffer");
  check(natsOptions_SetTimeout(nopts, 2000), "connect timeout");
  check(natsOptions_SetDisconnectedCB(nopts, disconnected_cb, this), "disconnected callback");
  check(natsOptions_SetReconnectedCB(nopts, reconnected_cb, this), "reconnected callback");
  check(natsOptions_SetClosedCB(nopts, closed_cb, this), "closed callback");
  // A non-null connected callback makes a failed first connect asynchronous (retried forever).
  check(natsOptions_SetRetryOnFailedConnect(
            nopts, true, [](natsConnection*, void*) {}, nullptr),
        "retry on failed connect");
  if (!options.credentials_file.empty()) {
    check(natsOptions_SetUserCredentialsFromFiles(nopts, options.credentials_file.c_str(), nullptr),
          "credentials_file");
  }
  if (!options.user.empty()) {
    check(natsOptions_SetUserInfo(nopts, options.user.c_str(), password.c_str()), "user");
  }
  if (!token.empty()) check(natsOptions_SetToken(nopts, token.c_str()), "token");
  const bool any_tls = std::any_of(options.servers.begin(), options.servers.end(),
                                   [](const auto& s) { return s.rfind("tls://", 0) == 0; });
  if (any_tls || !options.ca_file.empty()) {
    check(natsOptions_SetSecure(nopts, true), "tls");
    if (!options.ca_file.empty()) {
      check(natsOptions_LoadCATrustedCertificates(nopts, options.ca_file.c_str()), "ca_file");
    }
  }
  natsStatus s = natsConnection_Connect(&conn, nopts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) check(s, "connect");

  jsOptions jo;
  check(jsOptions_Init(&jo), "jetstream options");
  jo.Wait = options.ack_timeout.count();
  jo.PublishAsync.MaxPending = static_cast<int64_t>(options.max_in_flight + kPublishBatch);
  jo.PublishAsync.AckHandler = ack_cb;
  jo.PublishAsync.AckHandlerClosure = this;
  check(natsConnection_JetStream(&js, conn, &jo), "jetstream context");
}

bool NatsSink::Impl::ensure_stream(std::string& error) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, js, options.stream.c_str(), nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return true;
  }
  if (s != NATS_NOT_FOUND && code != JSStreamNotFoundErr) {
    error = "cannot read stream info: " + status_text(s);
    return false;
  }
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = options.stream.c_str();
  const char* subjects[] = {kStreamSubjects.data()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Duplicates =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.duplicate_window).count();
  code = static_cast<jsErrCode>(0);
  s = js_AddStream(&info, js, &config, nullptr, &code);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return true;
  }
  if (code == JSStreamNameExistErr) return true;  // created concurrently by another agent
  error = "cannot create stream: " + status_text(s) + " (code " +
          std::to_string(static_cast<int>(code)) + ")";
  return false;
}

bool NatsSink::Impl::wait_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex);
  cv.wait_for(lock, delay, [&] { return abort_now || (stopping && queue.empty()); });
  return !abort_now && !(stopping && queue.empty());
}

void NatsSink::Impl::schedule_retry(Item item) {
  ++item.attempts;
  ++retries;
  std::uniform_real_distribution<double> unit(0.5, 1.0);
  const auto delay =
      webhook::backoff_delay(item.attempts, options.backoff_min, options.backoff_max, unit(rng));
  retry.emplace(Clock::now() + delay, std::move(item));
}

void NatsSink::Impl::on_ack(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae) {
  if (closing.load()) return;
  bool report = false;
  std::string reason;
  {
    std::lock_guard lock(mutex);
    auto node = in_flight.extract(msg);
    if (node.empty()) return;
    if (pa != nullptr) {
      ++acked;
      if (pa->Duplicate) ++duplicates;
      failing_reported.store(false);
    } else {
      schedule_retry(std::move(node.mapped()));
      if (!failing_reported.exchange(true)) {
        report = true;
        reason = "publish not acknowledged (" + status_text(pae != nullptr ? pae->Err : NATS_ERR) +
                 "); retrying";
      }
    }
  }
  cv.notify_all();
  if (report) platform_event("nats_publish_failing", std::move(reason));
}

void NatsSink::Impl::publish_batch(std::vector<Item> batch) {
  std::vector<std::pair<natsMsg*, Item>> messages;
  messages.reserve(batch.size());
  std::vector<Item> failed;
  for (auto& item : batch) {
    natsMsg* msg = nullptr;
    if (natsMsg_Create(&msg, item.subject.c_str(), nullptr, item.body.data(),
                       static_cast<int>(item.body.size())) != NATS_OK ||
        natsMsgHeader_Set(msg, "Nats-Msg-Id", item.id.c_str()) != NATS_OK) {
      natsMsg_Destroy(msg);
      failed.push_back(std::move(item));
      continue;
    }
    messages.emplace_back(msg, std::move(item));
  }
  {
    std::lock_guard lock(mutex);
    reserved -= batch.size();
    for (auto& [msg, item] : messages) in_flight.emplace(msg, std::move(item));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options.ack_timeout.count();
  std::vector<natsMsg*> refused;
  natsStatus last = NATS_OK;
  for (auto& entry : messages) {
    natsMsg* msg = entry.first;
    natsMsg* owned = msg;
    ++published;
    const natsStatus s = js_PublishMsgAsync(js, &owned, &po);
    if (s != NATS_OK) {  // still ours: not buffered (reconnect buffer full, closed ...)
      last = s;
      refused.push_back(msg);
    }
  }
  bool report = false;
  {
    std::lock_guard lock(mutex);
    for (natsMsg* msg : refused) {
      auto node = in_flight.extract(msg);
      if (!node.empty()) schedule_retry(std::move(node.mapped()));
    }
    for (auto& item : failed) schedule_retry(std::move(item));
    if ((!refused.empty() || !failed.empty()) && !failing_reported.exchange(true)) report = true;
  }
  for (natsMsg* msg : refused) natsMsg_Destroy(msg);
  if (report) {
    platform_event("nats_publish_failing",
                   "publish refused by the client (" + status_text(last) + "); retrying");
  }
}

void NatsSink::Impl::run() {
  if (options.create_stream) {
    bool reported = false;
    for (unsigned attempt = 1;; ++attempt) {
      std::string error;
      if (ensure_stream(error)) break;
      if (!reported) {
        reported = true;
        platform_event("nats_stream_unavailable", "stream " + options.stream + ": " + error);
      }
      if (!wait_for(webhook::backoff_delay(std::min(attempt, 10u), options.backoff_min,
                                           options.backoff_max, 1.0))) {
        break;
      }
    }
  }
  for (;;) {
    std::vector<Item> batch;
    {
      std::unique_lock lock(mutex);
      for (;;) {
        if (abort_now) return;
        const bool idle = queue.empty() && retry.empty() && in_flight.empty() && reserved == 0;
        if (stopping && idle) return;
        const auto now = Clock::now();
        const bool room = in_flight.size() + reserved < options.max_in_flight;
        const bool retry_due = !retry.empty() && retry.begin()->first <= now;
        if (room && (retry_due || !queue.empty())) break;
        publisher_waiting = true;
        if (room && !retry.empty()) {
          cv.wait_until(lock, retry.begin()->first);
        } else {
          cv.wait(lock);
        }
        publisher_waiting = false;
      }
      const std::size_t room =
          std::min(kPublishBatch, options.max_in_flight - in_flight.size() - reserved);
      const auto now = Clock::now();
      while (batch.size() < room && !retry.empty() && retry.begin()->first <= now) {
        batch.push_back(std::move(retry.begin()->second));
        retry.erase(retry.begin());
      }
      while (batch.size() < room && !queue.empty()) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      reserved += batch.size();
      if (queue.size() < options.queue_size / 2 + 1) queue_full_reported.store(false);
    }
    publish_batch(std::move(batch));
  }
}

NatsSink::NatsSink(NatsOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

NatsSink::~NatsSink() { stop(std::chrono::milliseconds(0)); }

bool NatsSink::write(const Alert& alert) {
  Impl& impl = *impl_;
  if (!impl.accepting.load(std::memory_order_relaxed)) {
    ++impl.dropped_stopped;
    return false;
  }
  std::string error;
  auto subject = nats::alert_subject(alert, error);
  if (!subject || !nats::valid_msg_id(alert.id)) {
    ++impl.dropped_invalid;
    impl.platform_event("nats_invalid_alert",
                        "alert refused: " + (subject ? std::string("unusable alert id") : error));
    return false;
  }
  Item item{std::move(*subject), alert.id, alert_to_json(alert, impl.options.format), 0};
  bool notify = false;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.queue.size() >= impl.options.queue_size) {
      ++impl.dropped_full;
    } else {
      impl.queue.push_back(std::move(item));
      ++impl.accepted;
      notify = impl.publisher_waiting;
      item.id.clear();
    }
  }
  if (!item.id.empty()) {  // dropped: the queue was full
    if (!impl.queue_full_reported.exchange(true)) {
      impl.platform_event(
          "nats_queue_full",
          "alert queue full (" + std::to_string(impl.options.queue_size) + "); dropping alerts");
    }
    return false;
  }
  if (notify) impl.cv.notify_one();
  return true;
}

void NatsSink::start() {
  Impl& impl = *impl_;
  if (impl.started.exchange(true) || impl.stopped.load()) return;
  impl.connect();
  impl.thread = std::thread([&impl] { impl.run(); });
}

void NatsSink::stop(std::chrono::milliseconds drain) {
  Impl& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  impl.accepting.store(false);
  if (impl.thread.joinable()) {
    {
      std::unique_lock lock(impl.mutex);
      impl.stopping = true;
      impl.cv.notify_all();
      const auto deadline = Clock::now() + drain;
      impl.cv.wait_until(lock, deadline, [&] {
        return impl.queue.empty() && impl.retry.empty() && impl.in_flight.empty() &&
               impl.reserved == 0;
      });
      impl.abort_now = true;
      impl.cv.notify_all();
    }
    impl.thread.join();
  }
  impl.closing.store(true);
  if (impl.conn != nullptr) {
    natsConnection_Close(impl.conn);
    std::unique_lock lock(impl.mutex);
    impl.cv.wait_for(lock, std::chrono::seconds(2), [&] { return impl.closed; });
  }
  std::lock_guard lock(impl.mutex);
  impl.abandoned += impl.queue.size() + impl.retry.size() + impl.in_flight.size();
}

NatsStats NatsSink::stats() const {
  const Impl& impl = *impl_;
  NatsStats s;
  s.accepted = impl.accepted;
  s.dropped_queue_full = impl.dropped_full;
  s.dropped_invalid = impl.dropped_invalid;
  s.dropped_stopped = impl.dropped_stopped;
  s.published = impl.published;
  s.acked = impl.acked;
  s.duplicates = impl.duplicates;
  s.retries = impl.retries;
  s.disconnects = impl.disconnects;
  s.reconnects = impl.reconnects;
  s.abandoned = impl.abandoned;
  std::lock_guard lock(impl.mutex);
  s.queued = impl.queue.size();
  s.in_flight = impl.in_flight.size() + impl.retry.size() + impl.reserved;
  return s;
}

}  // namespace panguard::alerts
