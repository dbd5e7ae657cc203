#include "alerts/webhook/webhook_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "alerts/alert_json.h"
#include "alerts/webhook/retry_policy.h"
#include "alerts/webhook/spool.h"
#include "alerts/webhook/webhook_connection.h"
#include "alerts/webhook/webhook_signature.h"
#include "alerts/webhook/webhook_url.h"

namespace panguard::alerts {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using webhook::AlertRecord;
using webhook::BatchRecord;

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("webhook: " + message);
}

std::string utc_now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string json_escape_ascii(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

// One HTTP message: its composition is fixed once formed (and recorded in the spool when it
// holds more than one alert), so every attempt sends the same id and body.
struct Message {
  std::string id;
  std::vector<uint64_t> seqs;
  std::string body;
  unsigned attempts = 0;
};

std::string message_body(const std::vector<const std::string*>& jsons) {
  std::size_t size = 40;
  for (const auto* json : jsons) size += json->size() + 1;
  std::string body;
  body.reserve(size);
  body += R"({"type":"panguard.alerts","alerts":[)";
  for (std::size_t i = 0; i < jsons.size(); ++i) {
    if (i > 0) body += ',';
    body += *jsons[i];
  }
  body += "]}";
  return body;
}

}  // namespace

struct WebhookSink::Impl {
  explicit Impl(WebhookOptions opts);

  // --- io thread only ---
  asio::awaitable<void> worker(std::size_t index);
  asio::awaitable<void> syncer();
  std::optional<Message> next_message();
  Message form_message(std::vector<AlertRecord> alerts, bool record_batch);
  void acknowledge(const Message& message);
  void dead_letter(const Message& message, unsigned status, const std::string& reason);
  void platform_event(std::string rule, std::string reason);  // any thread: posts to io

  const WebhookOptions options;
  webhook::WebhookUrl url;
  std::vector<std::string> keys;
  std::string dead_letter_path;
  std::optional<asio::ssl::context> tls;
  webhook::Spool spool;

  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::atomic<bool> started{false};
  std::atomic<bool> accepting{true};
  bool stopping = false;  // io thread

  // New alerts from write(), in seq order; guarded by pending_mutex.
  std::mutex write_mutex;  // orders spool appends with pending pushes
  std::mutex pending_mutex;
  std::deque<AlertRecord> pending;
  Clock::time_point pending_since{};

  // io thread only
  std::deque<Message> ready;                        // replayed batches, sent first
  std::multimap<Clock::time_point, Message> retry;  // due time → message
  Clock::time_point paused_until{};
  std::size_t in_flight = 0;
  std::vector<webhook::WebhookConnection*> connections;
  std::mt19937_64 rng{std::random_device{}()};
  int dead_letter_fd = -1;

  std::atomic<bool> spool_full_reported{false};
  std::atomic<uint64_t> accepted{0}, dropped_full{0}, dropped_stopped{0}, dropped_invalid{0},
      delivered{0}, dead_lettered{0}, requests{0}, retries{0}, replayed{0}, corrupt{0}, torn{0};
};

WebhookSink::Impl::Impl(WebhookOptions opts)
    : options(std::move(opts)), spool([&] {
        // Options are validated before the spool directory is touched.
        std::string error;
        auto parsed = webhook::parse_webhook_url(options.url, error);
        require(parsed.has_value(), "url: " + error);
        url = std::move(*parsed);
        require(url.tls || options.ca_file.empty(), "ca_file is only for https urls");
        require(!options.secrets.empty(), "at least one secret is required");
        for (std::size_t i = 0; i < options.secrets.size(); ++i) {
          auto key = webhook::decode_webhook_secret(options.secrets[i]);
          require(key.has_value(),
                  "secret " + std::to_string(i + 1) + " is empty or not valid whsec_<base64>");
          keys.push_back(std::move(*key));
        }
        require(!options.spool_dir.empty(), "spool_dir is required");
        require(options.spool_max_bytes >= 4096, "spool_max_bytes must be at least 4096");
        require(options.request_timeout.count() > 0, "timeout_ms must be positive");
        require(options.max_in_flight >= 1 && options.max_in_flight <= 256,
                "max_in_flight must be 1..256");
        require(options.max_batch >= 1 && options.max_batch <= 100'000,
                "max_batch must be 1..100000");
        require(options.backoff_min.count() > 0 && options.backoff_max >= options.backoff_min,
                "backoff_min must be positive and not above backoff_max");
        return webhook::SpoolOptions{options.spool_dir, options.spool_max_bytes, 0};
      }()) {
  dead_letter_path = options.dead_letter_path.empty() ? options.spool_dir + "/dead-letter.jsonl"
                                                      : options.dead_letter_path;
  dead_letter_fd =
      ::open(dead_letter_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (dead_letter_fd < 0) {
    throw std::invalid_argument("webhook: dead_letter_file " + dead_letter_path +
                                ": cannot open for appending");
  }
  if (url.tls) {
    try {
      tls.emplace(webhook::verified_client_context(options.ca_file));
    } catch (const std::invalid_argument& e) {
      ::close(dead_letter_fd);
      throw std::invalid_argument(std::string("webhook: ") + e.what());
    }
  }

  webhook::SpoolReplay replay = spool.take_replay();
  replayed = replay.pending.size();
  corrupt = replay.corrupt_records;
  torn = replay.torn_tails;
  std::unordered_map<uint64_t, AlertRecord*> by_seq;
  for (auto& alert : replay.pending) by_seq.emplace(alert.seq, &alert);
  std::unordered_map<uint64_t, bool> batched;
  for (const auto& batch : replay.batches) {
    Message message;
    message.id = batch.id;
    message.seqs = batch.seqs;
    std::vector<const std::string*> jsons;
    for (uint64_t seq : batch.seqs) {
      jsons.push_back(&by_seq.at(seq)->json);
      batched[seq] = true;
    }
    message.body = message_body(jsons);
    ready.push_back(std::move(message));
  }
  for (auto& alert : replay.pending) {
    if (!batched.contains(alert.seq)) pending.push_back(std::move(alert));
  }
  pending_since = Clock::now() - options.batch_linger;  // replayed alerts go out without linger
  if (replay.corrupt_records > 0) {
    platform_event("webhook_spool_corrupt", "skipped " + std::to_string(replay.corrupt_records) +
                                                " corrupt record(s) in the webhook spool " +
                                                options.spool_dir);
  }
}

void WebhookSink::Impl::platform_event(std::string rule, std::string reason) {
  if (!options.on_platform_event) return;
  asio::post(io, [this, rule = std::move(rule), reason = std::move(reason)]() mutable {
    options.on_platform_event(std::move(rule), std::move(reason));
  });
}

Message WebhookSink::Impl::form_message(std::vector<AlertRecord> alerts, bool record_batch) {
  Message message;
  std::vector<std::string_view> ids;
  std::vector<const std::string*> jsons;
  for (const auto& alert : alerts) {
    ids.push_back(alert.id);
    jsons.push_back(&alert.json);
    message.seqs.push_back(alert.seq);
  }
  message.id = webhook::message_id(ids);
  message.body = message_body(jsons);
  if (record_batch && alerts.size() > 1) {
    // Fix the composition before the first attempt so a resend after a crash is identical.
    spool.append_batch(BatchRecord{message.id, message.seqs});
  }
  return message;
}

std::optional<Message> WebhookSink::Impl::next_message() {
  const auto now = Clock::now();
  if (!retry.empty() && retry.begin()->first <= now) {
    Message message = std::move(retry.begin()->second);
    retry.erase(retry.begin());
    return message;
  }
  if (!ready.empty()) {
    Message message = std::move(ready.front());
    ready.pop_front();
    return message;
  }
  std::vector<AlertRecord> batch;
  {
    std::lock_guard lock(pending_mutex);
    if (pending.empty()) return std::nullopt;
    // Wait for a full batch while the oldest alert is younger than the linger, unless stopping.
    if (pending.size() < options.max_batch && now - pending_since < options.batch_linger &&
        accepting.load()) {
      return std::nullopt;
    }
    const std::size_t n = std::min(pending.size(), options.max_batch);
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    pending_since = now;
  }
  Message message = form_message(std::move(batch), true);
  spool.sync();  // group commit: the alerts and the batch record, before the first attempt
  return message;
}

void WebhookSink::Impl::acknowledge(const Message& message) { spool.append_ack(message.seqs); }

void WebhookSink::Impl::dead_letter(const Message& message, unsigned status,
                                    const std::string& reason) {
  std::string line = R"({"webhook_id":")" + message.id + R"(","status":)" + std::to_string(status) +
                     R"(,"reason":")" + json_escape_ascii(reason) + R"(","time":")" +
                     utc_now_rfc3339() + R"(","payload":)" + message.body + "}\n";
  std::size_t done = 0;
  bool ok = true;
  while (done < line.size()) {
    const ssize_t n = ::write(dead_letter_fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (ok) ::fdatasync(dead_letter_fd);
  dead_lettered += message.seqs.size();
  platform_event("webhook_dead_letter",
                 "webhook message " + message.id + " (" + std::to_string(message.seqs.size()) +
                     " alert(s)) refused permanently: " + reason +
                     (ok ? "; written to " + dead_letter_path
                         : "; the dead-letter file " + dead_letter_path + " could not be written"));
}

asio::awaitable<void> WebhookSink::Impl::syncer() {
  asio::steady_timer timer(io);
  while (!stopping) {
    timer.expires_after(options.sync_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    spool.sync();
  }
}

asio::awaitable<void> WebhookSink::Impl::worker(std::size_t index) {
  (void)index;
  webhook::WebhookConnection connection(io.get_executor(), url, tls ? &*tls : nullptr,
                                        options.request_timeout);
  connections.push_back(&connection);
  asio::steady_timer timer(io);
  while (!stopping) {
    std::optional<Message> message;
    if (Clock::now() >= paused_until) message = next_message();
    if (!message) {
      auto wait = std::chrono::milliseconds(2);
      timer.expires_after(wait);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    ++in_flight;
    ++message->attempts;
    ++requests;
    const int64_t timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
    webhook::SignedHeaders headers{
        message->id, std::to_string(timestamp),
        webhook::webhook_signature_header(keys, message->id, timestamp, message->body)};
    const webhook::PostResult result = co_await connection.post(message->body, headers);
    --in_flight;
    if (stopping) break;  // stays in the spool, resent after the next start

    std::optional<std::chrono::milliseconds> delay;
    if (result.responded) {
      switch (webhook::classify_status(result.status)) {
        case webhook::Outcome::kDelivered:
          acknowledge(*message);
          delivered += message->seqs.size();
          continue;
        case webhook::Outcome::kPermanent:
          dead_letter(*message, result.status, "HTTP " + std::to_string(result.status));
          acknowledge(*message);
          continue;
        case webhook::Outcome::kRetry:
          if ((result.status == 429 || result.status == 503) && !result.retry_after.empty()) {
            if (auto after = webhook::parse_retry_after(result.retry_after,
                                                        std::chrono::system_clock::now())) {
              delay = std::chrono::duration_cast<std::chrono::milliseconds>(*after);
              // The receiver asked for a pause: nothing goes out before then.
              paused_until = std::max(paused_until, Clock::now() + *delay);
            }
          }
          break;
      }
    }
    if (!delay) {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      delay = webhook::backoff_delay(message->attempts, options.backoff_min, options.backoff_max,
                                     unit(rng));
    }
    ++retries;
    retry.emplace(Clock::now() + *delay, std::move(*message));
  }
  std::erase(connections, &connection);
}

WebhookSink::WebhookSink(WebhookOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WebhookSink::~WebhookSink() {
  stop(std::chrono::milliseconds(0));
  if (impl_->dead_letter_fd >= 0) ::close(impl_->dead_letter_fd);
}

bool WebhookSink::write(const Alert& alert) {
  Impl& impl = *impl_;
  if (!impl.accepting.load(std::memory_order_relaxed)) {
    ++impl.dropped_stopped;
    return false;
  }
  if (!webhook::valid_record_id(alert.id)) {
    ++impl.dropped_invalid;
    return false;
  }
  std::string json = alert_to_json(alert, AlertFormat::kPanguard);
  std::lock_guard write_lock(impl.write_mutex);
  uint64_t seq = 0;
  switch (impl.spool.append_alert(alert.id, json, seq)) {
    case webhook::Spool::Append::kOk:
      break;
    case webhook::Spool::Append::kFull:
      ++impl.dropped_full;
      if (!impl.spool_full_reported.exchange(true)) {
        impl.platform_event("webhook_spool_full",
                            "webhook spool " + impl.options.spool_dir + " is full (" +
                                std::to_string(impl.options.spool_max_bytes) +
                                " bytes): dropping alerts until the receiver catches up");
      }
      return false;
    case webhook::Spool::Append::kError:
      ++impl.dropped_stopped;
      return false;
  }
  impl.spool_full_reported.store(false, std::memory_order_relaxed);
  ++impl.accepted;
  std::lock_guard lock(impl.pending_mutex);
  if (impl.pending.empty()) impl.pending_since = Clock::now();
  impl.pending.push_back(AlertRecord{seq, alert.id, std::move(json)});
  return true;
}

void WebhookSink::start() {
  Impl& impl = *impl_;
  if (impl.started.exchange(true)) return;
  impl.work.emplace(impl.io.get_executor());
  for (std::size_t i = 0; i < impl.options.max_in_flight; ++i) {
    asio::co_spawn(impl.io, impl.worker(i), asio::detached);
  }
  asio::co_spawn(impl.io, impl.syncer(), asio::detached);
  impl.thread = std::thread([&impl] { impl.io.run(); });
}

void WebhookSink::stop(std::chrono::milliseconds drain) {
  Impl& impl = *impl_;
  impl.accepting.store(false);
  if (!impl.thread.joinable()) {
    impl.spool.sync();
    return;
  }
  const auto deadline = Clock::now() + drain;
  while (Clock::now() < deadline && impl.spool.unacked() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  asio::post(impl.io, [&impl] {
    impl.stopping = true;
    for (auto* connection : impl.connections) connection->cancel();
  });
  impl.work.reset();
  impl.thread.join();
  impl.spool.sync();
}

WebhookStats WebhookSink::stats() const {
  const Impl& impl = *impl_;
  WebhookStats s;
  s.accepted = impl.accepted;
  s.dropped_spool_full = impl.dropped_full;
  s.dropped_stopped = impl.dropped_stopped;
  s.dropped_invalid = impl.dropped_invalid;
  s.delivered = impl.delivered;
  s.dead_lettered = impl.dead_lettered;
  s.requests = impl.requests;
  s.retries = impl.retries;
  s.replayed = impl.replayed;
  s.corrupt_records = impl.corrupt;
  s.torn_tails = impl.torn;
  s.spool_bytes = impl.spool.bytes();
  s.pending = impl.spool.unacked();
  return s;
}

}  // namespace panguard::alerts
