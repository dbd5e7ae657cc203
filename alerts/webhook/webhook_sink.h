// SOC webhook sink: alerts are appended to a durable on-disk spool by write() (never waits on the
// network) and delivered by the sink's own io thread as signed HTTP(S) POSTs (Standard Webhooks:
// webhook-id / webhook-timestamp / webhook-signature), in batches, with bounded concurrency,
// exponential backoff with full jitter, Retry-After, and a dead-letter file for permanent 4xx.
// docs/alerts.md "SOC webhook" describes the wire format, the spool and the delivery guarantees.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/sink.h"

namespace panguard::alerts {

// Immutable once the sink is built. Config key → field (docs/configuration.md):
//   url              → url
//   ca_file          → ca_file
//   secret_files     → secrets (the caller reads each file and passes its contents, in order)
//   spool_dir        → spool_dir
//   spool_max_bytes  → spool_max_bytes
//   timeout_ms       → request_timeout
//   max_in_flight    → max_in_flight
//   max_batch        → max_batch
//   dead_letter_file → dead_letter_path
// The WebhookSink constructor throws std::invalid_argument with a precise message when a field is
// invalid (bad url, no secret, undecodable whsec_ secret, zero limits, unusable spool_dir ...).
struct WebhookOptions {
  // "http://host[:port]/path" or "https://host[:port]/path". Port defaults to 80 / 443; the path
  // defaults to "/". No userinfo, no fragment. For https the host name is sent as SNI and checked
  // against the server certificate (verification is always on and cannot be turned off).
  std::string url;
  // https only: PEM file with the CA certificate(s) that may sign the receiver's certificate.
  // Empty = the system trust store. Must be empty for http urls.
  std::string ca_file;
  // Signing secrets, the contents of the secret files in order (trailing whitespace/newlines are
  // trimmed). Each is either Standard Webhooks form "whsec_<base64>" (the key is the decoded
  // bytes) or any other non-empty string (the key is those bytes as-is). Every secret signs every
  // request: webhook-signature carries one "v1,<sig>" per secret, space-separated, so a receiver
  // can rotate by adding the new secret here first and removing the old one later. At least one.
  std::vector<std::string> secrets;
  // Directory for spool segments (created 0700 if missing). One sink per directory: the sink
  // holds an exclusive flock on "<spool_dir>/lock" and the constructor throws if it is taken.
  std::string spool_dir;
  // Upper bound on the bytes of all spool segments. An alert that would exceed it is dropped,
  // counted (stats().dropped_spool_full) and reported once per full episode via on_platform_event.
  uint64_t spool_max_bytes = 256ull << 20;
  // Bound on each network step of one attempt: connect, TLS handshake, request write, response
  // read. An attempt that exceeds it is abandoned (connection closed) and retried.
  std::chrono::milliseconds request_timeout{10'000};
  // Number of concurrent connections/requests to the receiver (each keep-alive).
  std::size_t max_in_flight = 4;
  // Most alerts in one request body. 1 = one alert per request.
  std::size_t max_batch = 500;
  // Retry delay before attempt n (n >= 1) is uniform in [0, min(backoff_max, backoff_min * 2^n)]
  // ("full jitter"); a Retry-After from a 429/503 replaces it and pauses all sending until then.
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{60'000};
  // Permanent failures (4xx other than 408/429) are appended here as one JSON line per message:
  // {"webhook_id","status","reason","time","alerts":[...]} then acknowledged. Empty = spool_dir +
  // "/dead-letter.jsonl".
  std::string dead_letter_path;
  // Called from the sink's threads (never while a sink lock is held) for platform events:
  //   ("webhook_dead_letter", reason)  a message was refused permanently and dead-lettered
  //   ("webhook_spool_full", reason)   alerts are being dropped because the spool is full
  //   ("webhook_spool_corrupt", reason) replay skipped corrupt spool records
  // The reason never contains secrets or alert contents. May be empty (events are then only
  // counted in stats()).
  std::function<void(std::string rule, std::string reason)> on_platform_event;
  // Batching: how long the sender waits for more alerts before sending a partial batch.
  std::chrono::milliseconds batch_linger{5};
  // The spool is fdatasync'ed at most this often (group commit) and whenever a batch is formed.
  // Alerts written by write() survive a process crash (SIGKILL) as soon as write() returns; they
  // survive a power loss once synced.
  std::chrono::milliseconds sync_interval{20};
};

struct WebhookStats {
  uint64_t accepted = 0;            // write() calls that spooled the alert
  uint64_t dropped_spool_full = 0;  // write() calls refused because the spool was full
  uint64_t dropped_stopped = 0;     // write() calls after stop() or on a spool I/O error
  uint64_t dropped_invalid = 0;     // write() calls with an id unfit for a webhook-id header
  uint64_t delivered = 0;           // alerts acknowledged by a 2xx
  uint64_t dead_lettered = 0;       // alerts refused permanently (dead-letter file)
  uint64_t requests = 0;            // HTTP attempts made
  uint64_t retries = 0;             // attempts that failed transiently and were rescheduled
  uint64_t replayed = 0;            // unacknowledged alerts found in the spool at start
  uint64_t corrupt_records = 0;     // spool records skipped at replay (bad length/CRC/shape)
  uint64_t torn_tails = 0;          // segments whose incomplete last record was cut at replay
  uint64_t spool_bytes = 0;         // current size of the spool segments
  uint64_t pending = 0;             // spooled alerts not yet acknowledged
};

class WebhookSink : public Sink {
 public:
  // Validates options, opens and replays the spool (so stats().replayed is known before start()).
  explicit WebhookSink(WebhookOptions options);
  ~WebhookSink() override;  // stop(0ms) if still running
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  // Appends the alert to the spool (one write(2), no fsync, no network) and returns true; false
  // when the spool is full or the sink is stopped (counted in stats()). Thread-safe. Alerts written
  // before start() are spooled and sent once started.
  bool write(const Alert& alert) override;

  // Starts the io thread (delivery of replayed and new alerts). Idempotent.
  void start();
  // Stops accepting alerts, keeps delivering for up to `drain`, then cancels in-flight requests,
  // syncs the spool and joins the threads. Undelivered alerts stay in the spool for the next start.
  void stop(std::chrono::milliseconds drain);

  WebhookStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace panguard::alerts
