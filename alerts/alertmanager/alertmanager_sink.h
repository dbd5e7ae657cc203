// Alertmanager v2 sink: write() serializes the alert (alertmanager_json.h) into a bounded
// in-memory queue (never waits on the network); the sink's own io thread POSTs batches to
// <url>/api/v2/alerts over one keep-alive HTTP(S) connection (the webhook's WebhookConnection),
// retrying 5xx/408/429 and connection errors with backoff (Retry-After honored) until accepted.
// docs/alerts.md "Alertmanager" describes the labels, annotations and delivery guarantees.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "alerts/alert.h"
#include "alerts/sink.h"

namespace panguard::alerts {

// Immutable once the sink is built. Config key (alerts.routes[].sink, type alertmanager) → field:
//   url                → url
//   ca_file            → ca_file
//   resolve_timeout_ms → resolve_timeout
//   max_batch          → max_batch
//   batch_linger_ms    → batch_linger
//   queue_size         → queue_size
//   timeout_ms         → request_timeout
//   backoff_min_ms     → backoff_min
//   backoff_max_ms     → backoff_max
// The AlertmanagerSink constructor throws std::invalid_argument with a precise message when a
// field is invalid (bad url, ca_file with http, zero limits ...).
struct AlertmanagerOptions {
  // Alertmanager's base URL, "http(s)://host[:port][/prefix]" (the --web.route-prefix, if any);
  // alerts are POSTed to <prefix>/api/v2/alerts. For https, verification is always on.
  std::string url;
  // https only: PEM CA file for Alertmanager's certificate; empty = the system trust store.
  std::string ca_file;
  // endsAt = startsAt (the alert time) + resolve_timeout: the alert resolves by itself then.
  std::chrono::milliseconds resolve_timeout{300'000};
  // Most alerts in one POST, and how long the sender waits for more before a partial batch.
  std::size_t max_batch = 64;
  std::chrono::milliseconds batch_linger{20};
  // Alerts waiting to be sent. A write() beyond it is dropped, counted (dropped_queue_full) and
  // reported once per full episode via on_platform_event.
  std::size_t queue_size = 10'000;
  // Bound on each network step (connect, TLS handshake, write, read) of one POST.
  std::chrono::milliseconds request_timeout{10'000};
  // Retry delay before retry n: uniform in [0, min(backoff_max, backoff_min * 2^(n-1))];
  // a Retry-After on 429/503 replaces it.
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{30'000};
  // Called from the sink's io thread (never while a sink lock is held) for platform events:
  //   ("alertmanager_queue_full", reason)    alerts dropped because the queue is full
  //   ("alertmanager_unavailable", reason)   a POST failed transiently (once per episode)
  //   ("alertmanager_rejected", reason)      a batch was refused permanently (4xx) and dropped
  // Reasons never contain tenant ids or alert contents. May be empty.
  std::function<void(std::string rule, std::string reason)> on_platform_event;
};

struct AlertmanagerStats {
  uint64_t accepted = 0;            // write() calls that queued the alert
  uint64_t dropped_queue_full = 0;  // write() calls refused because the queue was full
  uint64_t dropped_stopped = 0;     // write() calls after stop()
  uint64_t delivered = 0;           // alerts in batches Alertmanager answered 2xx
  uint64_t rejected = 0;            // alerts in batches refused permanently (4xx)
  uint64_t requests = 0;            // POST attempts
  uint64_t retries = 0;             // attempts that failed transiently and were retried
  uint64_t abandoned = 0;           // alerts still unsent when stop() gave up
  uint64_t queued = 0;              // alerts waiting now (the batch being sent included)
};

class AlertmanagerSink : public Sink {
 public:
  explicit AlertmanagerSink(AlertmanagerOptions options);
  ~AlertmanagerSink() override;  // stop(0ms) if still running
  AlertmanagerSink(const AlertmanagerSink&) = delete;
  AlertmanagerSink& operator=(const AlertmanagerSink&) = delete;

  // Serializes and queues the alert; false when the queue is full or the sink stopped (counted).
  // Thread-safe. Alerts written before start() are sent once started.
  bool write(const Alert& alert) override;

  // Starts the io thread. Idempotent.
  void start();
  // Stops accepting, keeps sending for up to `drain`, then aborts the request in progress and
  // joins the thread. Unsent alerts are counted as abandoned.
  void stop(std::chrono::milliseconds drain);

  AlertmanagerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace panguard::alerts
