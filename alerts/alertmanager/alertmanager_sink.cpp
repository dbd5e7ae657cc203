#include "alerts/alertmanager/alertmanager_sink.h"

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "alerts/alertmanager/alertmanager_json.h"
#include "alerts/webhook/retry_policy.h"
#include "alerts/webhook/webhook_connection.h"
#include "alerts/webhook/webhook_url.h"

namespace panguard::alerts {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("alertmanager: " + message);
}

webhook::WebhookUrl parse_url(const AlertmanagerOptions& options) {
  std::string error;
  auto url = webhook::parse_webhook_url(options.url, error);
  require(url.has_value(), "url: " + error);
  require(url->target.find('?') == std::string::npos, "url: no query string allowed");
  while (!url->target.empty() && url->target.back() == '/') url->target.pop_back();
  url->target += "/api/v2/alerts";
  require(url->tls || options.ca_file.empty(), "ca_file is only for https urls");
  require(options.resolve_timeout.count() > 0, "resolve_timeout_ms must be positive");
  require(options.max_batch >= 1 && options.max_batch <= 10'000, "max_batch must be 1..10000");
  require(options.batch_linger.count() >= 0, "batch_linger_ms must not be negative");
  require(options.queue_size >= 1 && options.queue_size <= 10'000'000,
          "queue_size must be 1..10000000");
  require(options.request_timeout.count() > 0, "timeout_ms must be positive");
  require(options.backoff_min.count() > 0 && options.backoff_max >= options.backoff_min,
          "backoff_min must be positive and not above backoff_max");
  return std::move(*url);
}

}  // namespace

struct AlertmanagerSink::Impl {
  explicit Impl(AlertmanagerOptions opts);

  asio::awaitable<void> sender();                      // io thread
  asio::awaitable<bool> sleep(Clock::duration delay);  // false when stopping fast
  void platform_event(const char* rule, std::string reason);

  const AlertmanagerOptions options;
  const webhook::WebhookUrl url;
  std::optional<asio::ssl::context> tls;

  asio::io_context io{1};
  asio::steady_timer wake{io};
  std::optional<webhook::WebhookConnection> connection;
  std::thread thread;
  std::promise<void> done;
  std::mt19937_64 rng{std::random_device{}()};
  bool stopping = false;  // io thread: drain then exit

  mutable std::mutex mutex;
  std::deque<std::string> queue;  // serialized alert objects
  std::size_t sending = 0;        // alerts in the batch being sent
  bool sender_idle = false;

  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<bool> accepting{true};
  std::atomic<bool> queue_full_reported{false};
  std::atomic<uint64_t> accepted{0}, dropped_full{0}, dropped_stopped{0}, delivered{0}, rejected{0},
      requests{0}, retries{0}, abandoned{0};
};

AlertmanagerSink::Impl::Impl(AlertmanagerOptions opts)
    : options(std::move(opts)), url(parse_url(options)) {
  if (url.tls) {
    try {
      tls.emplace(webhook::verified_client_context(options.ca_file));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("alertmanager: ") + e.what());
    }
  }
  connection.emplace(io.get_executor(), url, tls ? &*tls : nullptr, options.request_timeout,
                     "panguard-alertmanager");
}

void AlertmanagerSink::Impl::platform_event(const char* rule, std::string reason) {
  if (options.on_platform_event) options.on_platform_event(rule, std::move(reason));
}

asio::awaitable<bool> AlertmanagerSink::Impl::sleep(Clock::duration delay) {
  boost::system::error_code ec;
  wake.expires_after(delay);
  co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return true;
}

asio::awaitable<void> AlertmanagerSink::Impl::sender() {
  bool failing = false;
  for (;;) {
    bool empty = false;
    {
      std::lock_guard lock(mutex);
      empty = queue.empty();
      sender_idle = empty;
    }
    if (empty) {
      if (stopping) co_return;
      co_await sleep(Clock::duration::max() / 4);  // write() or stop() cancels it
      continue;
    }
    std::vector<std::string> batch;
    {
      std::unique_lock lock(mutex);
      const bool partial = queue.size() < options.max_batch;
      if (partial && options.batch_linger.count() > 0 && !stopping) {
        lock.unlock();
        co_await sleep(options.batch_linger);
        lock.lock();
      }
      while (batch.size() < options.max_batch && !queue.empty()) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      sending = batch.size();
      if (queue.size() < options.queue_size / 2 + 1) queue_full_reported.store(false);
    }
    const std::string body = alertmanager::alerts_body(batch);
    for (unsigned attempt = 1;; ++attempt) {
      ++requests;
      const webhook::PostResult result = co_await connection->post(body, webhook::HeaderFields{});
      const auto outcome =
          result.responded ? webhook::classify_status(result.status) : webhook::Outcome::kRetry;
      if (outcome == webhook::Outcome::kDelivered) {
        delivered += batch.size();
        failing = false;
        break;
      }
      if (outcome == webhook::Outcome::kPermanent) {
        rejected += batch.size();
        platform_event("alertmanager_rejected", "HTTP " + std::to_string(result.status) + ": " +
                                                    std::to_string(batch.size()) +
                                                    " alerts refused and dropped");
        break;
      }
      ++retries;
      if (!failing) {
        failing = true;
        platform_event("alertmanager_unavailable",
                       result.responded ? "HTTP " + std::to_string(result.status) + "; retrying"
                                        : result.error + "; retrying");
      }
      std::optional<std::chrono::seconds> after;
      if (result.responded && !result.retry_after.empty()) {
        after = webhook::parse_retry_after(result.retry_after, std::chrono::system_clock::now());
      }
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      const Clock::duration delay =
          after ? Clock::duration(*after)
                : Clock::duration(webhook::backoff_delay(attempt, options.backoff_min,
                                                         options.backoff_max, unit(rng)));
      co_await sleep(delay);
    }
    std::lock_guard lock(mutex);
    sending = 0;
  }
}

AlertmanagerSink::AlertmanagerSink(AlertmanagerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

AlertmanagerSink::~AlertmanagerSink() { stop(std::chrono::milliseconds(0)); }

bool AlertmanagerSink::write(const Alert& alert) {
  Impl& impl = *impl_;
  if (!impl.accepting.load(std::memory_order_relaxed)) {
    ++impl.dropped_stopped;
    return false;
  }
  std::string object = alertmanager::alert_object(alert, impl.options.resolve_timeout);
  bool wake = false;
  bool full = false;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.queue.size() >= impl.options.queue_size) {
      full = true;
    } else {
      impl.queue.push_back(std::move(object));
      wake = impl.sender_idle;
      impl.sender_idle = false;
    }
  }
  if (full) {
    ++impl.dropped_full;
    if (!impl.queue_full_reported.exchange(true)) {
      impl.platform_event(
          "alertmanager_queue_full",
          "alert queue full (" + std::to_string(impl.options.queue_size) + "); dropping alerts");
    }
    return false;
  }
  ++impl.accepted;
  if (wake) asio::post(impl.io, [&impl] { impl.wake.cancel(); });
  return true;
}

void AlertmanagerSink::start() {
  Impl& impl = *impl_;
  if (impl.stopped.load() || impl.started.exchange(true)) return;
  asio::co_spawn(impl.io, impl.sender(), [&impl](std::exception_ptr) { impl.done.set_value(); });
  impl.thread = std::thread([&impl] { impl.io.run(); });
}

void AlertmanagerSink::stop(std::chrono::milliseconds drain) {
  Impl& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  impl.accepting.store(false);
  if (impl.thread.joinable()) {
    asio::post(impl.io, [&impl] {
      impl.stopping = true;
      impl.wake.cancel();  // leaves an idle wait; a retry wait is shortened too
    });
    if (impl.done.get_future().wait_for(drain) != std::future_status::ready) {
      asio::post(impl.io, [&impl] {
        impl.connection->cancel();
        impl.io.stop();
      });
    }
    impl.thread.join();
  }
  std::lock_guard lock(impl.mutex);
  impl.abandoned += impl.queue.size() + impl.sending;
}

AlertmanagerStats AlertmanagerSink::stats() const {
  const Impl& impl = *impl_;
  AlertmanagerStats s;
  s.accepted = impl.accepted;
  s.dropped_queue_full = impl.dropped_full;
  s.dropped_stopped = impl.dropped_stopped;
  s.delivered = impl.delivered;
  s.rejected = impl.rejected;
  s.requests = impl.requests;
  s.retries = impl.retries;
  s.abandoned = impl.abandoned;
  std::lock_guard lock(impl.mutex);
  s.queued = impl.queue.size() + impl.sending;
  return s;
}

}  // namespace panguard::alerts
