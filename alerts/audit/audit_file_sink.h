// Per-tenant, append-only, hash-chained audit files (docs/alerts.md). write() only queues: one
// writer thread appends, so records of a stream are serialized and callers never wait on disk.
// Streams: one per tenant id (escaped), plus kPlatformStream for alerts without a tenant.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_builder.h"
#include "alerts/audit/audit_options.h"
#include "alerts/audit/audit_stream_writer.h"
#include "alerts/keys/node_key.h"
#include "alerts/sink.h"

namespace panguard::alerts {

class AuditFileSink : public Sink {
 public:
  // Told, once per stream, when a stream stops accepting records (tail does not verify, write
  // failed); the agent logs it and raises a platform alert. Called from the writer thread.
  using Reporter = std::function<void(const PlatformAlertSpec&)>;
  using Clock = std::function<int64_t()>;  // wall-clock ns, for checkpoint times

  AuditFileSink(AuditFileOptions options, std::optional<NodeKey> key, Reporter reporter,
                Clock clock);
  ~AuditFileSink() override;

  bool write(const Alert& alert) override;
  // Drains the queue, signs a checkpoint for every stream with unsigned records (when a key is
  // set) and fdatasyncs every file. Blocks; for shutdown and tests.
  void flush();

  // Opens every stream already under dir, so a tail that does not verify is reported at start.
  void open_existing();

  struct Stats {
    uint64_t appended = 0;
    uint64_t failed = 0;      // the stream is broken: record not written
    uint64_t queue_full = 0;  // refused by write()
  };
  Stats stats() const;

 private:
  struct Item {
    std::string stream;
    std::string json;
  };

  void run();
  void scan();
  AuditStreamWriter& stream(const std::string& name);
  void append(const Item& item);
  void periodic(int64_t now_ns, bool flushing);

  const AuditFileOptions options_;
  const std::optional<NodeKey> key_;
  const Reporter reporter_;
  const Clock clock_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_cv_;
  std::deque<Item> queue_;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;
  bool stopping_ = false;
  bool scan_requested_ = false;
  Stats stats_;

  // Writer thread only.
  std::map<std::string, std::unique_ptr<AuditStreamWriter>> streams_;
  int64_t last_sync_ns_ = 0;
  std::thread worker_;
};

}  // namespace panguard::alerts
