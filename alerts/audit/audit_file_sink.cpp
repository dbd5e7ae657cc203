#include "alerts/audit/audit_file_sink.h"

#include <chrono>

#include "alerts/alert_json.h"
#include "alerts/audit/audit_paths.h"

namespace panguard::alerts {

AuditFileSink::AuditFileSink(AuditFileOptions options, std::optional<NodeKey> key,
                             Reporter reporter, Clock clock)
    : options_(std::move(options)),
      key_(std::move(key)),
      reporter_(std::move(reporter)),
      clock_(std::move(clock)) {
  worker_ = std::thread([this] { run(); });
}

AuditFileSink::~AuditFileSink() {
  flush();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

bool AuditFileSink::write(const Alert& alert) {
  std::optional<std::string> stream =
      alert.tenant_id ? escape_tenant(*alert.tenant_id) : std::string(kPlatformStream);
  if (!stream) {
    std::lock_guard lock(mutex_);
    ++stats_.failed;  // a tenant id too long for a file name; counted, never truncated
    return false;
  }
  Item item{std::move(*stream), alert_to_json(alert, AlertFormat::kPanguard)};
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_records) {
      ++stats_.queue_full;
      return false;
    }
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
  return true;
}

void AuditFileSink::flush() {
  std::unique_lock lock(mutex_);
  if (stopping_) return;
  const uint64_t ticket = ++flush_requested_;
  wake_.notify_one();
  flushed_cv_.wait(lock, [&] { return flush_done_ >= ticket; });
}

void AuditFileSink::open_existing() {
  // The writer thread owns the streams, so it does the scan; the reporter it may call takes the
  // queue lock itself, so this waits without holding it across the scan.
  std::unique_lock lock(mutex_);
  scan_requested_ = true;
  wake_.notify_one();
  flushed_cv_.wait(lock, [&] { return !scan_requested_; });
}

void AuditFileSink::scan() {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(options_.dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory()) stream(it->path().filename().string());
  }
}

AuditFileSink::Stats AuditFileSink::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

AuditStreamWriter& AuditFileSink::stream(const std::string& name) {
  auto it = streams_.find(name);
  if (it != streams_.end()) return *it->second;
  auto writer = std::make_unique<AuditStreamWriter>(std::filesystem::path(options_.dir) / name,
                                                    name, options_, key_ ? &*key_ : nullptr);
  const std::string error = writer->open();
  if (!error.empty() && reporter_) {
    reporter_({"Audit stream refused", rules::Priority::kCritical, "audit",
               "audit stream '" + name + "' will not be appended to: " + error});
  }
  return *streams_.emplace(name, std::move(writer)).first->second;
}

void AuditFileSink::append(const Item& item) {
  AuditStreamWriter& writer = stream(item.stream);
  const bool was_ok = writer.ok();
  const bool ok = writer.append_alert(item.json);
  if (!ok && was_ok && reporter_) {
    reporter_({"Audit stream refused", rules::Priority::kCritical, "audit",
               "audit stream '" + item.stream + "' stopped: " + writer.error()});
  }
  std::lock_guard lock(mutex_);
  ++(ok ? stats_.appended : stats_.failed);
}

void AuditFileSink::periodic(int64_t now_ns, bool flushing) {
  for (auto& [name, writer] : streams_) {
    if (flushing ? key_.has_value() : writer->checkpoint_due(now_ns)) writer->checkpoint(now_ns);
  }
  const bool sync_due = options_.fsync == FsyncPolicy::kInterval &&
                        now_ns - last_sync_ns_ >= options_.fsync_interval_ms * 1'000'000;
  if (flushing || sync_due) {
    for (auto& [name, writer] : streams_) writer->sync();
    last_sync_ns_ = now_ns;
  }
}

void AuditFileSink::run() {
  // Wakes at least this often for interval fsync and checkpoints.
  const auto tick = std::chrono::milliseconds(
      options_.fsync == FsyncPolicy::kInterval ? std::min<int64_t>(options_.fsync_interval_ms, 1000)
                                               : 1000);
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, tick, [&] {
      return stopping_ || scan_requested_ || !queue_.empty() || flush_requested_ > flush_done_;
    });
    if (scan_requested_) {
      lock.unlock();
      scan();
      lock.lock();
      scan_requested_ = false;
      flushed_cv_.notify_all();
    }
    std::deque<Item> batch;
    batch.swap(queue_);
    const uint64_t flush_ticket = flush_requested_;
    const bool stopping = stopping_;
    lock.unlock();
    for (const Item& item : batch) append(item);
    const bool flushing = flush_ticket > flush_done_ && batch.empty();
    periodic(clock_(), flushing);
    lock.lock();
    if (flushing) {
      flush_done_ = flush_ticket;
      flushed_cv_.notify_all();
    }
    if (stopping && queue_.empty()) break;
  }
}

}  // namespace panguard::alerts
