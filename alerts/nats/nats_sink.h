// NATS JetStream sink: write() puts the alert in a bounded in-memory queue (never waits on the
// network); the sink's own publisher thread sends it on one long-lived nats.c connection with
// JetStream async publish (Nats-Msg-Id = alert id) and retries it until the stream acknowledges
// it. The server deduplicates retries by Nats-Msg-Id within the stream's duplicate window.
// docs/alerts.md "NATS JetStream" describes subjects, the stream and the delivery guarantees.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_json.h"
#include "alerts/sink.h"

namespace panguard::alerts {

// Immutable once the sink is built. Config key (alerts.routes[].sink, type nats) → field:
//   servers               → servers
//   credentials_file      → credentials_file
//   user                  → user
//   password_file         → password_file
//   token_file            → token_file
//   ca_file               → ca_file
//   stream                → stream
//   create_stream         → create_stream
//   duplicate_window_ms   → duplicate_window
//   queue_size            → queue_size
//   max_in_flight         → max_in_flight
//   ack_timeout_ms        → ack_timeout
//   reconnect_buffer_bytes→ reconnect_buffer_bytes
//   format                → format
// The NatsSink constructor throws std::invalid_argument with a precise message when a field is
// invalid (no server, bad URL scheme, two auth methods, unreadable secret file, zero limits ...).
struct NatsOptions {
  // "nats://host:port" or "tls://host:port" URLs, at least one; the client picks among them and
  // reconnects to any of them.
  std::vector<std::string> servers;
  // At most one authentication method:
  //   credentials_file: a NATS .creds file (user JWT + NKey seed), read by nats.c.
  //   user + password_file: the password is the file's contents (trailing whitespace trimmed).
  //   token_file: the token is the file's contents (trailing whitespace trimmed).
  std::string credentials_file;
  std::string user;
  std::string password_file;
  std::string token_file;
  // PEM CA file for tls:// servers (verification on; empty = system trust store).
  std::string ca_file;
  // JetStream stream the subjects belong to. With create_stream the sink ensures at start that
  // it exists (creating it with subjects "panguard.>", file storage, `duplicate_window`); an
  // existing stream is used as it is. Without create_stream the stream must be pre-created by the
  // operator (the sink publishes and retries until a stream acknowledges).
  std::string stream = "PANGUARD_ALERTS";
  bool create_stream = true;
  std::chrono::milliseconds duplicate_window{120'000};
  // Alerts waiting to be published. A write() beyond it is dropped, counted
  // (stats().dropped_queue_full) and reported once per full episode via on_platform_event.
  std::size_t queue_size = 65'536;
  // Published messages not yet acknowledged (they are kept until acknowledged, and retried).
  std::size_t max_in_flight = 4'096;
  // A message not acknowledged within this time is published again (same Nats-Msg-Id).
  std::chrono::milliseconds ack_timeout{5'000};
  // nats.c buffers publishes made while disconnected up to this many bytes; beyond it a publish
  // fails and the sink retries it after a backoff. 0 = sized from options: max_in_flight * 2 KiB.
  std::size_t reconnect_buffer_bytes = 0;
  // Reconnect wait (with jitter) between attempts; the sink reconnects forever.
  std::chrono::milliseconds reconnect_wait{250};
  // Retry backoff after a failed publish or a missing ack: min(backoff_max, backoff_min * 2^n).
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5'000};
  // Message body: one alert as JSON (alert_json.h).
  AlertFormat format = AlertFormat::kPanguard;
  // Called from the sink's threads (never while a sink lock is held) for platform events:
  //   ("nats_queue_full", reason)       alerts are being dropped because the queue is full
  //   ("nats_invalid_alert", reason)    an alert was refused (empty/over-long tenant, bad id)
  //   ("nats_disconnected", reason)     the connection to the servers was lost (reconnecting)
  //   ("nats_publish_failing", reason)  publishes fail or are not acknowledged (retrying)
  //   ("nats_stream_unavailable", reason) the stream could not be checked/created (retrying)
  // Reasons never contain secrets, tenant ids or alert contents. May be empty.
  std::function<void(std::string rule, std::string reason)> on_platform_event;
};

struct NatsStats {
  uint64_t accepted = 0;            // write() calls that queued the alert
  uint64_t dropped_queue_full = 0;  // write() calls refused because the queue was full
  uint64_t dropped_invalid = 0;     // write() calls refused: unusable tenant id or alert id
  uint64_t dropped_stopped = 0;     // write() calls after stop()
  uint64_t published = 0;           // publish attempts handed to nats.c (retries included)
  uint64_t acked = 0;               // alerts acknowledged by the stream
  uint64_t duplicates = 0;          // acks flagged duplicate (the server had it already)
  uint64_t retries = 0;             // attempts that failed or timed out and were rescheduled
  uint64_t disconnects = 0;         // connection losses
  uint64_t reconnects = 0;          // successful reconnections
  uint64_t abandoned = 0;           // alerts still unacknowledged when stop() gave up
  uint64_t queued = 0;              // alerts waiting in the queue now
  uint64_t in_flight = 0;           // alerts published and waiting for an ack (or a retry) now
};

class NatsSink : public Sink {
 public:
  // Validates options and reads the secret files; connects nothing until start().
  explicit NatsSink(NatsOptions options);
  ~NatsSink() override;  // stop(0ms) if still running
  NatsSink(const NatsSink&) = delete;
  NatsSink& operator=(const NatsSink&) = delete;

  // Builds the subject and body and queues the alert; false when refused (counted). Thread-safe.
  // Alerts written before start() are queued and sent once started.
  bool write(const Alert& alert) override;

  // Connects (in the background: an unreachable server is retried forever), ensures the stream
  // and starts the publisher thread. Idempotent.
  void start();
  // Stops accepting alerts, keeps publishing and waiting for acks for up to `drain`, then closes
  // the connection and joins the threads. Alerts still unacknowledged are counted as abandoned.
  void stop(std::chrono::milliseconds drain);

  NatsStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace panguard::alerts
