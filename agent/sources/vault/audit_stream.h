// Framing of Vault's `socket` audit device stream (one JSON record per line) and the bounded
// queue between the socket reader and the rules pipeline. No I/O here: the listener feeds bytes
// in whatever chunks the socket returns and never waits on the consumer, so Vault is never slowed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace panguard::vault {

inline constexpr std::size_t kDefaultMaxRecordBytes = std::size_t{1} << 20;

struct AuditFramerOptions {
  // Longest record accepted, newline excluded. Longer records are dropped, never buffered whole.
  std::size_t max_record_bytes = kDefaultMaxRecordBytes;
  // The audit device's `prefix` option: every record must start with it; it is stripped.
  std::string record_prefix;
};

enum class FramingErrorKind { kRecordTooLong, kMissingPrefix, kTruncatedAtEof };

struct FramingError {
  FramingErrorKind kind;
  std::string message;  // names the problem and sizes, never record content
};

struct FramerStats {
  uint64_t records = 0;           // complete records handed out
  uint64_t too_long = 0;          // dropped: longer than max_record_bytes
  uint64_t missing_prefix = 0;    // dropped: did not start with record_prefix
  uint64_t truncated_at_eof = 0;  // dropped: connection ended inside a record
};

// Splits a byte stream into newline-terminated records. Empty lines are skipped silently.
// A record is only ever passed to `on_record` complete; the view is valid during the call only.
class AuditFramer {
 public:
  using RecordSink = std::function<void(std::string_view record)>;
  using ErrorSink = std::function<void(const FramingError& error)>;

  explicit AuditFramer(AuditFramerOptions options = {});

  void feed(std::string_view bytes, const RecordSink& on_record, const ErrorSink& on_error);
  // End of stream: reports a partial record, then resets so the framer can serve a new connection.
  void finish(const ErrorSink& on_error);

  const FramerStats& stats() const { return stats_; }
  // Bytes held for an incomplete record; never more than max_record_bytes.
  std::size_t buffered_bytes() const { return pending_.size(); }

 private:
  void complete(std::string_view line, const RecordSink& on_record, const ErrorSink& on_error);
  void start_discarding(std::size_t seen, const ErrorSink& on_error);

  AuditFramerOptions options_;
  std::string pending_;      // start of a record whose newline has not arrived yet
  bool discarding_ = false;  // inside an over-long record: skip to the next newline
  FramerStats stats_;
};

enum class PushResult { kQueued, kDroppedFull, kClosed };

// Multi-producer, multi-consumer FIFO of raw records bounded by count and by bytes. push() never
// waits: when either bound would be exceeded the record is dropped and counted.
class BoundedRecordQueue {
 public:
  explicit BoundedRecordQueue(std::size_t max_records, std::size_t max_bytes = SIZE_MAX);

  PushResult push(std::string record);
  std::optional<std::string> try_pop();
  // Waits up to `timeout` for a record; nullopt on timeout, or once closed and drained.
  std::optional<std::string> pop(std::chrono::milliseconds timeout);
  // Refuses further pushes and wakes waiting consumers; queued records can still be popped.
  void close();

  uint64_t dropped() const;
  std::size_t size() const;
  std::size_t bytes() const;

 private:
  std::optional<std::string> take_front();  // caller holds mutex_

  const std::size_t max_records_;
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::deque<std::string> records_;
  std::size_t bytes_ = 0;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace panguard::vault
